/* Plain `rgp run` fills the -O cache as a side job: cc -O2 in a detached,
 * nice'd process that outlives rgp, writes nothing to the user's terminal,
 * and renames its object into the cache when done, so the next run of the
 * same program loads it. RGP_NO_BACKGROUND_CC=1 turns it off. */
#ifndef RGP_BACKGROUND_CC_H
#define RGP_BACKGROUND_CC_H

#include "objcache.h"

typedef enum background_cc {
    BACKGROUND_STARTED,    /* a builder now runs */
    BACKGROUND_DISABLED,   /* RGP_NO_BACKGROUND_CC is set */
    BACKGROUND_BUSY,       /* another run's builder holds the entry's lock */
    BACKGROUND_FAILED,     /* cc failed on this C before: not tried again */
    BACKGROUND_CANNOT,     /* no cache directory, or fork failed */
} background_cc;

/* Starts the builder of entry e from c_text unless one of the reasons above
 * says no. Returns at once; the caller's own output is flushed first. */
background_cc background_cc_start(const objcache_entry *e, const char *c_text, const char *c_name);

/* The words RGP_VERBOSE prints for each outcome. */
const char *background_cc_said(background_cc b);

#endif
