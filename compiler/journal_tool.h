/* `rgp journal verify|dump|info DIR`: the journal's tools (compiler/journal_tool.c). */
#ifndef RGP_JOURNAL_TOOL_H
#define RGP_JOURNAL_TOOL_H
/* argv[0] is "journal"; usage is the command's help text, printed after a usage error. */
int journal_tool(int argc, char **argv, const char *usage);
#endif
