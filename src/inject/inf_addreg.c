/* inf_addreg.c - add-registry sections ("INF AddReg Directive"):
 *
 *   reg-root,[subkey],[value-entry-name],[flags],[value][,[value]]
 *
 * reg-root: HKR (relative: the service key in a service-install section, the
 * EventLog\<log>\<source> key in an event-log section, the device/driver
 * keys in DDInstall(.HW)), HKCR, HKCU, HKLM, HKU.
 *
 * flags (setupapi.h, FLG_ADDREG_*): the low bit and the high word select
 * the type ("The lower-order bit of the low word in a flag value
 * distinguishes between character and binary data"):
 *   0x00000000 REG_SZ        0x00010000 REG_MULTI_SZ   0x00020000 REG_EXPAND_SZ
 *   0x00000001 REG_BINARY    0x00010001 REG_DWORD      0x00020001 REG_NONE
 *   other values: the type number in the high word ("specify a new type
 *   number in the high word of the flag ORed with FLG_ADDREG_BINVALUETYPE"),
 *   e.g. 0x000B0001 = REG_QWORD given as bytes.
 * Operation bits: NOCLOBBER 0x2, DELVAL 0x4, APPEND 0x8 (MULTI_SZ only),
 * KEYONLY 0x10, OVERWRITEONLY 0x20, 64BITKEY 0x1000, KEYONLY_COMMON 0x2000,
 * 32BITKEY 0x4000; DELREG_BIT 0x8000 marks DelReg-only entries.
 *
 * Data: string types take the fifth field (REG_MULTI_SZ all fields from the
 * fifth on). "A registry numerical-type value can be expressed as a
 * hexadecimal (by using 0x notation) or decimal number": a REG_DWORD with a
 * single data field is such a number (Wine reads it as hex even without
 * 0x, which would make "256" 0x256; the documented rule is used here). A
 * REG_DWORD with several fields, and every other binary type, is a list of
 * hex bytes ("1,0,2,3,...,A,B").
 *
 * An entry with only reg-root and subkey creates the key (INF_OP_KEY); the
 * caller decides what a value entry without data means (Wine writes an
 * empty string or a zero DWORD).
 */
#include <string.h>

#include "inf_int.h"

static const struct {
    const char *name;
    enum inf_root root;
} roots[] = {
    {"HKR", INF_ROOT_HKR},   {"HKCR", INF_ROOT_HKCR}, {"HKCU", INF_ROOT_HKCU},
    {"HKLM", INF_ROOT_HKLM}, {"HKU", INF_ROOT_HKU},
};

const char *inf_root_name(enum inf_root root)
{
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        if (roots[i].root == root)
            return roots[i].name;
    return "";
}

static uint32_t reg_type(uint32_t flags)
{
    switch (flags & INF_FLG_ADDREG_TYPE_MASK) {
    case INF_FLG_ADDREG_TYPE_SZ:        return 1;   /* REG_SZ */
    case INF_FLG_ADDREG_TYPE_MULTI_SZ:  return 7;   /* REG_MULTI_SZ */
    case INF_FLG_ADDREG_TYPE_EXPAND_SZ: return 2;   /* REG_EXPAND_SZ */
    case INF_FLG_ADDREG_TYPE_BINARY:    return 3;   /* REG_BINARY */
    case INF_FLG_ADDREG_TYPE_DWORD:     return 4;   /* REG_DWORD */
    case INF_FLG_ADDREG_TYPE_NONE:      return 0;   /* REG_NONE */
    default:                            return flags >> 16;
    }
}

static int hexbyte(const char *s, uint8_t *out)
{
    unsigned v = 0;
    int n = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (; *s; s++, n++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return -1;
        if (n == 2)
            return -1;
        v = v << 4 | (unsigned)d;
    }
    if (!n)
        return -1;
    *out = (uint8_t)v;
    return 0;
}

static int parse_entry(inf_file *inf, const inf_line *l, struct inf_addreg *e)
{
    size_t nf = l->nfields;
    const inf_field *f = l->fields;

    e->lineno = l->lineno;
    if (l->key)
        return inf__err(inf, INF_EINVALID, l->lineno,
                        "add-registry entry \"%s = ...\": expected reg-root,subkey,"
                        "value-name,flags,value", l->key->value);
    size_t r;
    for (r = 0; r < sizeof roots / sizeof roots[0]; r++)
        if (inf__casecmp(f[0].value, roots[r].name) == 0)
            break;
    if (r == sizeof roots / sizeof roots[0])
        return inf__err(inf, INF_EINVALID, l->lineno,
                        "unknown registry root \"%s\" (HKR, HKCR, HKCU, HKLM or HKU)",
                        f[0].value);
    e->root = roots[r].root;
    e->subkey = nf > 1 ? f[1].value : "";
    e->value_name = nf > 2 ? f[2].value : "";
    if (nf > 3 && f[3].value[0] && inf_parse_u32(f[3].value, &e->flags))
        return inf__err(inf, INF_EINVALID, l->lineno, "AddReg flags \"%s\" are not a number%s",
                        f[3].value, strchr(f[3].value, '%') ? " (an undefined %strkey%?)" : "");
    e->reg_type = reg_type(e->flags);

    if (e->flags & (INF_FLG_ADDREG_DELVAL | INF_FLG_ADDREG_DELREG_BIT))
        e->op = INF_OP_DELETE;
    else if (e->flags & (INF_FLG_ADDREG_KEYONLY | INF_FLG_ADDREG_KEYONLY_COMMON) || nf <= 2)
        e->op = INF_OP_KEY;
    else
        e->op = INF_OP_SET;

    struct inf_vec v;
    inf__vec_init(&v, sizeof(const char *));
    for (size_t i = 4; i < nf; i++) {
        const char **slot = inf__vec_push(&v);
        if (!slot) {
            inf__vec_free(&v);
            return INF_ENOMEM;
        }
        *slot = f[i].value;
    }
    e->nstrings = v.n;
    if (!(e->strings = inf__vec_finish(inf, &v)))
        return INF_ENOMEM;

    if (e->op != INF_OP_SET || !e->nstrings) {
        e->data_kind = INF_DATA_NONE;
    } else if (!(e->flags & INF_FLG_ADDREG_BINVALUETYPE)) {
        e->data_kind = e->reg_type == 7 ? INF_DATA_MULTI : INF_DATA_STRING;
    } else if (e->reg_type == 4 && e->nstrings == 1) {
        if (inf_parse_u32(e->strings[0], &e->dword))
            return inf__err(inf, INF_EINVALID, l->lineno,
                            "REG_DWORD value \"%s\" is not a decimal or 0x hex number%s",
                            e->strings[0],
                            strchr(e->strings[0], '%') ? " (an undefined %strkey%?)" : "");
        uint8_t *b = inf__alloc(inf, 4);
        if (!b)
            return INF_ENOMEM;
        for (int i = 0; i < 4; i++)
            b[i] = (uint8_t)(e->dword >> (8 * i));
        e->bytes = b;
        e->nbytes = 4;
        e->data_kind = INF_DATA_DWORD;
    } else {
        uint8_t *b = inf__alloc(inf, e->nstrings);
        if (!b)
            return INF_ENOMEM;
        for (size_t i = 0; i < e->nstrings; i++)
            if (hexbyte(e->strings[i], &b[i]))
                return inf__err(inf, INF_EINVALID, l->lineno,
                                "binary value: \"%s\" (field %zu) is not a hex byte",
                                e->strings[i], i + 5);
        e->bytes = b;
        e->nbytes = e->nstrings;
        e->data_kind = INF_DATA_BYTES;
    }
    return INF_OK;
}

int inf_get_addreg(inf_file *inf, const char *section, struct inf_addregs *out)
{
    out->entries = NULL;
    out->n = 0;
    const inf_section *sec = inf_section_find(inf, section);
    if (!sec)
        return inf__err(inf, INF_NOTFOUND, 0, "add-registry section [%s] does not exist",
                        section ? section : "");
    struct inf_vec v;
    inf__vec_init(&v, sizeof(struct inf_addreg));
    for (size_t i = 0; i < sec->nlines; i++) {
        struct inf_addreg *e = inf__vec_push(&v);
        int rc = e ? parse_entry(inf, &sec->lines[i], e) : INF_ENOMEM;
        if (rc != INF_OK) {
            inf__vec_free(&v);
            return rc == INF_ENOMEM ? inf__err(inf, rc, 0, "out of memory") : rc;
        }
    }
    out->n = v.n;
    out->entries = inf__vec_finish(inf, &v);
    if (!out->entries) {
        out->n = 0;
        return inf__err(inf, INF_ENOMEM, 0, "out of memory");
    }
    return INF_OK;
}
