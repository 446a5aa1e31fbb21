/* Runs the runtime's Check suites alone, for the ThreadSanitizer build (make tsan). */
#include <check.h>
#include <stdlib.h>

Suite *ring_suite(void);
Suite *sequencer_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(ring_suite());
    srunner_add_suite(sr, sequencer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
