/* fuzz_inf.c - libFuzzer harness: arbitrary bytes as a driver INF file.
 *
 * Parses the input (the first byte picks the parse options: language,
 * a %dirid% resolver, INF_PARSE_NO_SIGNATURE) and runs every helper the
 * injection uses: inf_get_version, inf_select_models for a few targets,
 * inf_get_install on each model's install section, inf_get_addreg on
 * every AddReg section found, plus the generic accessors. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "inf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *dirid(void *ctx, long id)
{
    (void)ctx;
    switch (id) {
    case 10: return "C:\\Windows";
    case 11: return "C:\\Windows\\System32";
    case 12: return "C:\\Windows\\System32\\drivers";
    default: return NULL;
    }
}

static void addregs(inf_file *inf, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n && i < 64; i++) {
        struct inf_addregs ar;
        if (names[i] && inf_get_addreg(inf, names[i], &ar) == INF_OK) {
            for (size_t j = 0; j < ar.n; j++)
                inf_root_name(ar.entries[j].root);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct inf_options opt = {0};
    if (size > 0) {
        uint8_t sel = data[0];
        if (sel & 1)
            opt.language = "0407";
        if (sel & 2)
            opt.dirid = dirid;
        if (sel & 4)
            opt.flags |= INF_PARSE_NO_SIGNATURE;
        /* Keep the first byte in the text: seeds start with text anyway. */
    }
    inf_file *inf = NULL;
    int rc = inf_parse_mem(data, size, "fuzz.inf", &opt, &inf);
    if (inf)
        inf_errmsg(inf);
    if (rc != INF_OK) {
        inf_free(inf);
        return 0;
    }
    inf_encoding(inf);
    for (size_t i = 0; i < inf_warning_count(inf); i++)
        inf_warning(inf, i);
    size_t nsec = inf_section_count(inf);
    for (size_t i = 0; i < nsec && i < 1000; i++) {
        const inf_section *s = inf_section_at(inf, i);
        size_t it = 0;
        inf_line_find(s, "AddReg", &it);
        inf_section_find(inf, s->name);
    }
    inf_get_value(inf, "Version", "Class");
    inf_string(inf, "DiskName");

    struct inf_version ver;
    inf_get_version(inf, &ver);

    static const struct inf_target targets[] = {
        { INF_ARCH_AMD64, 10, 0, 19041, 1, 0x100 },
        { INF_ARCH_X86, 5, 1, 2600, 1, 0 },
        { INF_ARCH_ARM64, 10, 0, 22000, 3, 0x10 },
        { INF_ARCH_AMD64, 6, 1, 7601, 0, 0 },
    };
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        struct inf_models models;
        if (inf_select_models(inf, &targets[t], &models) != INF_OK)
            continue;
        for (size_t m = 0; m < models.n && m < 32; m++) {
            struct inf_install ins;
            if (!models.models[m].install_section ||
                inf_get_install(inf, &targets[t],
                                models.models[m].install_section,
                                &ins) != INF_OK)
                continue;
            addregs(inf, ins.addreg, ins.naddreg);
            addregs(inf, ins.hw_addreg, ins.nhw_addreg);
            for (size_t s = 0; s < ins.nservices && s < 32; s++)
                addregs(inf, ins.services[s].addreg, ins.services[s].naddreg);
        }
    }
    /* AddReg sections by name, even when no model reaches them. */
    for (size_t i = 0; i < nsec && i < 200; i++) {
        const inf_section *s = inf_section_at(inf, i);
        for (size_t j = 0; j < s->nlines && j < 200; j++) {
            const inf_line *l = &s->lines[j];
            if (!l->key || !l->key->value)
                continue;
            const char *k = l->key->value;
            if ((k[0] == 'A' || k[0] == 'a') && (k[1] == 'd' || k[1] == 'D') &&
                (k[2] == 'd' || k[2] == 'D') && (k[3] == 'R' || k[3] == 'r')) {
                for (size_t f = 0; f < l->nfields && f < 16; f++) {
                    struct inf_addregs ar;
                    if (l->fields[f].value)
                        inf_get_addreg(inf, l->fields[f].value, &ar);
                }
            }
        }
        long id;
        const char *rest;
        uint32_t u;
        uint8_t g[16];
        if (s->nlines && s->lines[0].nfields && s->lines[0].fields[0].value) {
            const char *v = s->lines[0].fields[0].value;
            inf_split_dirid(v, &id, &rest);
            inf_parse_u32(v, &u);
            inf_parse_guid(v, g);
            inf_arch_parse(v);
        }
    }
    inf_free(inf);
    return 0;
}
