/* Runs every Check suite: one per module, each defined in its own check_*.c. */
#include <check.h>
#include <stdlib.h>

Suite *lexer_suite(void);
Suite *parser_suite(void);
Suite *sema_suite(void);
Suite *emit_suite(void);
Suite *std_suite(void);
Suite *time_suite(void);
Suite *sketch_suite(void);
Suite *table_suite(void);
Suite *omap_suite(void);
Suite *order_suite(void);
Suite *csv_suite(void);
Suite *csv_header_suite(void);
Suite *csv_scan_suite(void);
Suite *json_suite(void);
Suite *writer_suite(void);
Suite *sequencer_suite(void);
Suite *tables_suite(void);
Suite *program_suite(void);
Suite *journal_suite(void);
Suite *checkpoint_suite(void);
Suite *framing_suite(void);
Suite *net_suite(void);
Suite *nats_suite(void);
Suite *fixed_suite(void);
Suite *plan_suite(void);
Suite *metrics_suite(void);
Suite *status_page_suite(void);
Suite *lookup_suite(void);
Suite *syslog_suite(void);
Suite *follow_suite(void);
Suite *lsp_json_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(lexer_suite());
    srunner_add_suite(sr, parser_suite());
    srunner_add_suite(sr, sema_suite());
    srunner_add_suite(sr, emit_suite());
    srunner_add_suite(sr, std_suite());
    srunner_add_suite(sr, time_suite());
    srunner_add_suite(sr, sketch_suite());
    srunner_add_suite(sr, table_suite());
    srunner_add_suite(sr, omap_suite());
    srunner_add_suite(sr, order_suite());
    srunner_add_suite(sr, csv_suite());
    srunner_add_suite(sr, csv_header_suite());
    srunner_add_suite(sr, csv_scan_suite());
    srunner_add_suite(sr, json_suite());
    srunner_add_suite(sr, writer_suite());
    srunner_add_suite(sr, sequencer_suite());
    srunner_add_suite(sr, tables_suite());
    srunner_add_suite(sr, program_suite());
    srunner_add_suite(sr, journal_suite());
    srunner_add_suite(sr, checkpoint_suite());
    srunner_add_suite(sr, framing_suite());
    srunner_add_suite(sr, net_suite());
    srunner_add_suite(sr, nats_suite());
    srunner_add_suite(sr, fixed_suite());
    srunner_add_suite(sr, plan_suite());
    srunner_add_suite(sr, metrics_suite());
    srunner_add_suite(sr, status_page_suite());
    srunner_add_suite(sr, lookup_suite());
    srunner_add_suite(sr, syslog_suite());
    srunner_add_suite(sr, follow_suite());
    srunner_add_suite(sr, lsp_json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
