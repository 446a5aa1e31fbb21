/* Reads the `// rgp-link: NAME` lines at the top of generated C (see links.h). */
#include "links.h"
#include <string.h>

int links_of(const char *c_text, char names[LINKS_MAX][LINK_NAME_MAX])
{
    int n = 0;
    size_t m = strlen(RGP_LINK_MARKER);
    for (const char *p = c_text; n < LINKS_MAX && !strncmp(p, RGP_LINK_MARKER, m);) {
        p += m;
        size_t len = strcspn(p, "\n");
        if (len && len < LINK_NAME_MAX) {
            memcpy(names[n], p, len);
            names[n++][len] = 0;
        }
        p += len + (p[len] == '\n');
    }
    return n;
}
