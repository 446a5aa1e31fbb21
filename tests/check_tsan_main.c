/* Runs the runtime's Check suites (the sequencer, the journal, lookup tables' swap) alone, for the ThreadSanitizer build (make tsan). */
#include <check.h>
#include <stdlib.h>

Suite *sequencer_suite(void);
Suite *journal_suite(void);
Suite *lookup_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(sequencer_suite());
    srunner_add_suite(sr, journal_suite());
    srunner_add_suite(sr, lookup_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
