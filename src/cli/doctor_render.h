/* doctor_render.h - `hivekit doctor`'s output: the same struct doc_result
 * as text for people or as one JSON object (shape: docs/doctor.md §7). */
#ifndef HIVEKIT_DOCTOR_RENDER_H
#define HIVEKIT_DOCTOR_RENDER_H

#include <stdio.h>

#include "doctor.h"

struct doc_render_in {
    const char *system, *software, *root;   /* as given or found */
    int verbose;
    int status;                  /* the exit status the run ends with */
};

void doc_render_text(FILE *f, const struct doc_result *res,
                     const struct doc_render_in *in);
void doc_render_json(FILE *f, const struct doc_result *res,
                     const struct doc_render_in *in);

#endif
