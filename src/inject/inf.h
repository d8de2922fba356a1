/* inf.h - read Windows driver INF files (the setupapi syntax) offline.
 *
 * Self-contained C11, libc only. The library never prints and never exits.
 *
 * Parsing: inf_parse_mem() / inf_parse_file() read a whole INF into an
 * inf_file handle: sections (names case-insensitive, repeated sections merged
 * in file order), lines (an optional key before '=', then comma-separated
 * fields), with quotes, "" escapes, ';' comments, '\' continuations,
 * %strkey% substitution from [Strings], %% and %dirid% handled as Microsoft's
 * "General Syntax Rules for INF Files", "INF Strings Section" and "Using
 * Dirids" pages describe (the details, and where Windows' behaviour was
 * chosen, are in inf_lex.c and inf_subst.c).
 *
 * Helpers on top: [Version] (inf_get_version), the [Manufacturer] models
 * section for a target architecture and Windows version (inf_select_models),
 * an install section with its services, AddReg references and files
 * (inf_get_install), and AddReg sections decoded into registry operations
 * (inf_get_addreg).
 *
 * Ownership: everything a function hands out (strings, arrays, structs) is
 * owned by the inf_file and stays valid until inf_free(). Nothing is freed
 * by the caller except the handle itself.
 *
 * Errors: functions return INF_OK (0), INF_NOTFOUND (a soft outcome) or a
 * negative INF_E* status. The message of the last failure is kept in the
 * handle (inf_errmsg) and has the form "FILE:LINE: message" ("FILE: message"
 * when no line applies), FILE being the name given to the parser.
 *
 * Status space: INF_* statuses other than INF_OK lie in 100..199 in
 * absolute value (INF_NOTFOUND is +100, the errors -101 and below), so that
 * they can never be mistaken for the regf statuses of regf.h (REGF_NOTFOUND
 * is 1, the REGF_E* errors -1 .. -99): a caller holding an int knows from
 * its value alone which space it comes from (INF_IS_STATUS), though every
 * function says which space it returns and callers map each on its own.
 *
 * Text: all strings are UTF-8. Files may be UTF-16LE or UTF-16BE (with byte
 * order mark), UTF-8 (with or without BOM) or 8-bit Windows-1252 ("ANSI"),
 * with CRLF or LF line ends.
 */
#ifndef HIVEKIT_INF_H
#define HIVEKIT_INF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------- */

#define INF_OK          0
#define INF_NOTFOUND    100   /* no such section / entry / model for the target */
#define INF_ESYNTAX   (-101)  /* the text breaks INF syntax (unterminated quote, ...) */
#define INF_EINVALID  (-102)  /* well-formed, but something a helper needs is
                                 missing or malformed (no [Version], StartType
                                 not a number, unknown AddReg root, ...) */
#define INF_ENOMEM    (-103)
#define INF_EIO       (-104)  /* the file could not be read */
#define INF_ELIMIT    (-105)  /* a documented size limit was exceeded */
#define INF_EARG      (-106)  /* the caller passed an invalid argument */

/* Nonzero for INF_NOTFOUND and the INF_E* errors (not for INF_OK, which is
 * 0 like REGF_OK), never for a REGF_* status. */
#define INF_IS_STATUS(rc) ((rc) >= 100 || (rc) <= -100)

/* Limits (inputs beyond them are refused with INF_ELIMIT; real INFs are a
 * few kilobytes, the largest in-box ones about 2 MB). */
#define INF_MAX_INPUT        (8u * 1024 * 1024) /* bytes of file, checked
                                        by its size before it is read */
#define INF_MAX_FIELD        65536u  /* bytes of one field after %strkey%
                                        substitution (Windows' own limit,
                                        MAX_INF_STRING_LENGTH, is 4096) */
#define INF_MAX_EXPANDED     (64u * 1024 * 1024) /* total bytes produced by
                                        substitution for the whole file */
#define INF_MAX_WARNINGS     100     /* warnings kept (further ones are dropped) */

typedef struct inf_file inf_file;

/* ---- parsing -------------------------------------------------------------- */

/* Resolves %dirid% (a number not defined in [Strings], e.g. %12%) to a path.
 * Return a string (kept by the caller, copied by the library) or NULL to keep
 * "%dirid%" literally. */
typedef const char *inf_dirid_fn(void *ctx, long dirid);

#define INF_PARSE_NO_SIGNATURE 0x0001u /* accept a file without [Version]
                                          Signature (generic INF reading) */

struct inf_options {
    /* Four hex digits of a LANGID such as "0407": %strkey% is looked up in
     * [Strings.0407] first, then in [Strings]. NULL: [Strings] only, and
     * [Strings.xxxx] sections are ordinary sections. */
    const char *language;
    inf_dirid_fn *dirid;      /* NULL: %dirid% stays literally in values */
    void *dirid_ctx;
    unsigned flags;           /* INF_PARSE_* */
};

/* Parses LEN bytes of DATA. NAME (may be NULL: "(inf)") is the file name
 * used in messages. OPT may be NULL (all defaults).
 *
 * Checks the syntax of the whole file, then that [Version] exists with a
 * Signature of "$Windows NT$", "$Chicago$" or "$Windows 95$" (case-
 * insensitive; skipped with INF_PARSE_NO_SIGNATURE).
 *
 * On success *OUT is the new handle. On failure *OUT is still set (unless
 * out of memory, then NULL): read inf_errmsg(*OUT), then inf_free(*OUT). */
int inf_parse_mem(const void *data, size_t len, const char *name,
                  const struct inf_options *opt, inf_file **out);

/* Reads the file PATH (at most INF_MAX_INPUT bytes) and parses it, PATH
 * being the name in messages. Same contract as inf_parse_mem; an unreadable
 * file is INF_EIO. */
int inf_parse_file(const char *path, const struct inf_options *opt,
                   inf_file **out);

void inf_free(inf_file *inf);                 /* NULL is fine */

/* Message of the last failure, "" if none. Never NULL for a non-NULL inf. */
const char *inf_errmsg(const inf_file *inf);
const char *inf_name(const inf_file *inf);

enum inf_encoding {
    INF_ENC_UTF8,      /* UTF-8 (or plain ASCII), BOM or not */
    INF_ENC_ANSI,      /* 8-bit, not valid UTF-8: read as Windows-1252 */
    INF_ENC_UTF16LE,
    INF_ENC_UTF16BE
};
enum inf_encoding inf_encoding(const inf_file *inf);

/* Non-fatal findings, each "FILE:LINE: message": an unknown %strkey% kept
 * literally, an unparsable TargetOSVersion decoration, Include/Needs
 * directives that are not followed, ... Helpers add to the list. */
size_t inf_warning_count(const inf_file *inf);
const char *inf_warning(const inf_file *inf, size_t i);

/* ---- generic access ------------------------------------------------------- */

typedef struct inf_field {
    const char *value;   /* after %strkey% / %% / %dirid% substitution */
    const char *raw;     /* as written, quotes removed, before substitution */
} inf_field;

typedef struct inf_line {
    const inf_field *key;     /* text before '=', NULL for a value-only line */
    const inf_field *fields;  /* comma-separated values (after '=' if keyed) */
    size_t nfields;           /* >= 1 */
    unsigned lineno;          /* 1-based line where the entry starts */
} inf_line;

typedef struct inf_section {
    const char *name;         /* as first written, without brackets */
    const inf_line *lines;    /* every occurrence of the section, in order */
    size_t nlines;
    unsigned lineno;          /* line of the first [name] header */
} inf_section;

size_t inf_section_count(const inf_file *inf);
const inf_section *inf_section_at(const inf_file *inf, size_t i); /* file order */
/* Case-insensitive (ASCII) lookup; NULL if absent. */
const inf_section *inf_section_find(const inf_file *inf, const char *name);

/* Next keyed line of SEC whose key matches KEY (case-insensitive), starting
 * at index *ITER (start with 0); *ITER moves past the returned line.
 * NULL when there is no further match. */
const inf_line *inf_line_find(const inf_section *sec, const char *key,
                              size_t *iter);

/* First field value of the first line KEY in SECTION; NULL if either is
 * missing. */
const char *inf_get_value(const inf_file *inf, const char *section,
                          const char *key);

/* %strkey% lookup as substitution does it (language section first), NULL if
 * undefined. KEY is without the percent signs. */
const char *inf_string(const inf_file *inf, const char *key);

/* INF numbers: decimal, or hexadecimal with 0x (as SetupGetIntField and the
 * AddReg page: "hexadecimal (by using 0x notation) or decimal"). Whitespace
 * is not allowed. Returns 0 on success, -1 if TEXT is not such a number or
 * does not fit. */
int inf_parse_u32(const char *text, uint32_t *out);

/* ---- [Version] ------------------------------------------------------------ */

struct inf_version {
    const char *signature;      /* NULL when absent (INF_PARSE_NO_SIGNATURE) */
    const char *class_name;     /* Class, or NULL */
    const char *class_guid;     /* ClassGUID as written, or NULL */
    uint8_t class_guid_bin[16]; /* in Windows' binary order (Data1..3 little-
                                   endian), valid when class_guid != NULL */
    const char *provider;       /* Provider, or NULL */
    const char *catalog_file;   /* CatalogFile, or NULL */
    const char *driver_ver;     /* DriverVer as written, or NULL */
    unsigned month, day, year;  /* DriverVer date, when driver_ver != NULL */
    uint16_t version[4];        /* DriverVer w.x.y.z; missing parts are 0 */
    int has_version;            /* DriverVer has a version part */
    uint64_t date_filetime;     /* the date at 00:00 UTC as a FILETIME */
    uint64_t version_qword;     /* w<<48 | x<<32 | y<<16 | z (DWORDLONG) */
    unsigned lineno;            /* line of the [Version] header */
};

/* Fills OUT from [Version]. INF_EINVALID (with the line) when ClassGUID is
 * not a {8-4-4-4-12} GUID or DriverVer is not "MM/DD/YYYY[,w.x.y.z]" with a
 * real date and parts <= 65535; INF_NOTFOUND without [Version]. */
int inf_get_version(inf_file *inf, struct inf_version *out);

/* GUID text "{4D36E97B-E325-11CE-BFC1-08002BE10318}" (braces required) to
 * Windows byte order. 0 on success, -1 otherwise. */
int inf_parse_guid(const char *text, uint8_t out[16]);

/* ---- target and [Manufacturer] ------------------------------------------------ */

enum inf_arch {
    INF_ARCH_NONE = 0,
    INF_ARCH_X86,
    INF_ARCH_AMD64,
    INF_ARCH_ARM64,
    INF_ARCH_ARM,
    INF_ARCH_IA64
};

/* "x86", "amd64", "arm64", "arm", "ia64" (the INF decoration names), also
 * PROCESSOR_ARCHITECTURE spellings "AMD64", "x64", "i386"; any case.
 * INF_ARCH_NONE if unknown. */
enum inf_arch inf_arch_parse(const char *name);
const char *inf_arch_name(enum inf_arch arch);   /* "amd64", ...; "" for NONE */

struct inf_target {
    enum inf_arch arch;
    unsigned major, minor, build;   /* Windows version, e.g. 10.0.19041, 6.1.7601 */
    unsigned product_type;          /* VER_NT_WORKSTATION 1, _DOMAIN_CONTROLLER 2,
                                       _SERVER 3; 0 = unknown (then decorations
                                       naming a product type never apply) */
    uint32_t suite_mask;            /* VER_SUITE_* bits the system has */
};

/* The models section chosen for one [Manufacturer] line, by Microsoft's rules
 * ("INF Manufacturer Section", "Combining Platform Extensions with Operating
 * System Versions"):
 *   - a decoration NT[arch][.major[.minor[.producttype[.suitemask[.build]]]]]
 *     applies when its architecture is the target's (without one: x86 only,
 *     since Windows Server 2003 SP1 requires it for other platforms), its
 *     version is not above the target's (the build only counts when major
 *     and minor are equal), its product type (if any) is the target's and its
 *     suite mask bits (if any) are all in the target's;
 *   - among those, the highest version wins, then the one naming an
 *     architecture, a product type, a suite mask; then the first listed;
 *   - if none applies, the undecorated name for an x86 target.
 * *SECTION is the chosen section's name (the section itself must exist,
 * otherwise INF_EINVALID); INF_NOTFOUND if no entry applies. */
int inf_models_section(inf_file *inf, const inf_line *manufacturer_line,
                       const struct inf_target *target, const char **section);

struct inf_model {
    const char *manufacturer;     /* the [Manufacturer] entry's name */
    const char *models_section;   /* e.g. "VioStor.NTamd64.6.3" */
    const char *description;      /* device description */
    const char *install_section;  /* DDInstall base name, e.g. "scsi_inst" */
    const char *hardware_id;      /* "" if the entry has none */
    const char *const *compatible_ids;
    size_t ncompatible_ids;
    unsigned lineno;
};

struct inf_models {
    const struct inf_model *models;
    size_t n;
};

/* Every model of every manufacturer, from the models section each
 * [Manufacturer] line selects for TARGET, in file order. INF_NOTFOUND
 * (message names the decorations the INF offers) when no manufacturer has
 * a section for the target or the chosen sections are empty (an empty
 * models section is how an INF excludes a platform). */
int inf_select_models(inf_file *inf, const struct inf_target *target,
                      struct inf_models *out);

/* ---- install sections, services, files ------------------------------------- */

/* AddService flags (SPSVCINST_*, setupapi.h). */
#define INF_SVC_TAGTOFRONT             0x00000001u
#define INF_SVC_ASSOCSERVICE           0x00000002u
#define INF_SVC_NOCLOBBER_DISPLAYNAME  0x00000100u
#define INF_SVC_NOCLOBBER_STARTTYPE    0x00000200u
#define INF_SVC_NOCLOBBER_ERRORCONTROL 0x00000400u
#define INF_SVC_NOCLOBBER_LOADORDERGROUP 0x00000800u
#define INF_SVC_NOCLOBBER_DEPENDENCIES 0x00001000u
#define INF_SVC_NOCLOBBER_DESCRIPTION  0x00002000u

struct inf_service {
    const char *name;             /* AddService name ("" = null driver) */
    uint32_t flags;               /* INF_SVC_* */
    const char *install_section;  /* service-install-section, or NULL */
    const char *eventlog_section; /* event-log-install-section, or NULL */
    unsigned lineno;              /* of the AddService line */
    /* From the service-install section (zero/NULL when name is ""): */
    uint32_t service_type;        /* ServiceType (1 = kernel driver) */
    uint32_t start_type;          /* StartType (0 = boot) */
    uint32_t error_control;       /* ErrorControl */
    const char *service_binary;   /* ServiceBinary after substitution */
    long binary_dirid;            /* its leading %dirid%, or -1 without one */
    const char *binary_file;      /* the part after "%dirid%\" (or whole value) */
    const char *image_path;       /* below %SystemRoot% when the dirid is one of
                                     inf_dirid_systemroot_path(), e.g.
                                     "System32\\drivers\\viostor.sys"; else NULL */
    const char *load_order_group; /* LoadOrderGroup, or NULL */
    const char *display_name;     /* DisplayName, or NULL */
    const char *description;      /* Description, or NULL */
    const char *start_name;       /* StartName, or NULL */
    const char *const *dependencies;  /* Dependencies fields */
    size_t ndependencies;
    const char *const *addreg;    /* AddReg section names, in order */
    size_t naddreg;
};

struct inf_copy {
    const char *section;          /* file-list section, "" for CopyFiles=@file */
    const char *dest_name;        /* destination file name */
    const char *source_name;      /* source file name (= dest_name if omitted) */
    uint32_t flags;               /* COPYFLG_* (fourth field) */
    long dest_dirid;              /* [DestinationDirs] entry for the section, else
                                     DefaultDestDir, else 11 (DIRID_DEFAULT) */
    const char *dest_subdir;      /* NULL if none */
    const char *disk_id;          /* [SourceDisksFiles(.arch)] disk, NULL if the
                                     file is not listed there */
    const char *disk_description; /* [SourceDisksNames(.arch)] description */
    const char *source_path;      /* path of the source file relative to the
                                     INF's directory: disk path, file subdir and
                                     name joined with '\'; NULL if not listed */
    unsigned lineno;
};

struct inf_install {
    const char *section;          /* resolved DDInstall: base.NT<arch>, base.NT
                                     or base, the first that exists */
    const char *const *addreg;    /* AddReg of the DDInstall section */
    size_t naddreg;
    const char *const *hw_addreg; /* AddReg of DDInstall.HW */
    size_t nhw_addreg;
    const struct inf_service *services;  /* AddService of DDInstall.Services */
    size_t nservices;
    const struct inf_copy *copies;       /* CopyFiles of DDInstall */
    size_t ncopies;
};

/* Resolves the install section BASE (as named by a model) for TARGET and
 * reads what the injection needs from it. Referenced sections that are
 * missing (service-install, file-list) are INF_EINVALID naming the line. */
int inf_get_install(inf_file *inf, const struct inf_target *target,
                    const char *base, struct inf_install *out);

/* For a value starting with "%N%" (N a decimal dirid, possibly negative):
 * *DIRID = N and *REST = what follows, without the separating '\'.
 * Returns 0, or -1 when TEXT does not start with a dirid. */
int inf_split_dirid(const char *text, long *dirid, const char **rest);

/* The directory of a standard dirid relative to %SystemRoot%, as Windows
 * lays it out ("Using Dirids"): 10 "", 11 "System32", 12
 * "System32\\drivers", 17 "INF", 18 "Help", 20 "Fonts", 23
 * "System32\\spool\\drivers\\color", 50 "System", 51 "System32\\spool".
 * NULL for any other dirid (13, the driver store, depends on the package). */
const char *inf_dirid_systemroot_path(long dirid);

/* ---- AddReg ------------------------------------------------------------------- */

/* FLG_ADDREG_* (setupapi.h; "INF AddReg Directive"). */
#define INF_FLG_ADDREG_BINVALUETYPE   0x00000001u
#define INF_FLG_ADDREG_NOCLOBBER      0x00000002u
#define INF_FLG_ADDREG_DELVAL         0x00000004u
#define INF_FLG_ADDREG_APPEND         0x00000008u
#define INF_FLG_ADDREG_KEYONLY        0x00000010u
#define INF_FLG_ADDREG_OVERWRITEONLY  0x00000020u
#define INF_FLG_ADDREG_64BITKEY       0x00001000u
#define INF_FLG_ADDREG_KEYONLY_COMMON 0x00002000u
#define INF_FLG_ADDREG_32BITKEY       0x00004000u
#define INF_FLG_ADDREG_DELREG_BIT     0x00008000u
#define INF_FLG_ADDREG_TYPE_MASK      0xFFFF0001u
#define INF_FLG_ADDREG_TYPE_SZ        0x00000000u
#define INF_FLG_ADDREG_TYPE_MULTI_SZ  0x00010000u
#define INF_FLG_ADDREG_TYPE_EXPAND_SZ 0x00020000u
#define INF_FLG_ADDREG_TYPE_BINARY    0x00000001u
#define INF_FLG_ADDREG_TYPE_DWORD     0x00010001u
#define INF_FLG_ADDREG_TYPE_NONE      0x00020001u

enum inf_root { INF_ROOT_HKR, INF_ROOT_HKCR, INF_ROOT_HKCU, INF_ROOT_HKLM,
                INF_ROOT_HKU };

enum inf_op {
    INF_OP_KEY,       /* create the key only (KEYONLY, or no value name/data) */
    INF_OP_SET,       /* set the value */
    INF_OP_DELETE     /* DELVAL: delete the value (or the key if no name) */
};

enum inf_data {
    INF_DATA_NONE,    /* no data field */
    INF_DATA_STRING,  /* REG_SZ / REG_EXPAND_SZ: strings[0] */
    INF_DATA_MULTI,   /* REG_MULTI_SZ: strings[0..nstrings) */
    INF_DATA_DWORD,   /* REG_DWORD given as one number: dword */
    INF_DATA_BYTES    /* binary types (and REG_DWORD as bytes): bytes */
};

struct inf_addreg {
    unsigned lineno;
    enum inf_root root;
    const char *subkey;           /* "" = the root key itself */
    const char *value_name;       /* "" = the default (unnamed) value */
    uint32_t flags;               /* as written (0 if omitted) */
    uint32_t reg_type;            /* REG_* number the flags select */
    enum inf_op op;
    enum inf_data data_kind;
    const char *const *strings;   /* data fields as given (substituted) */
    size_t nstrings;
    uint32_t dword;               /* INF_DATA_DWORD */
    const uint8_t *bytes;         /* INF_DATA_BYTES (and the 4 LE bytes of a
                                     DWORD) */
    size_t nbytes;
};

struct inf_addregs {
    const struct inf_addreg *entries;
    size_t n;
};

/* Decodes the add-registry section SECTION. Type selection follows the
 * AddReg page and setupapi: TYPE_SZ/MULTI_SZ/EXPAND_SZ/BINARY/DWORD/NONE as
 * listed, any other value with BINVALUETYPE gives the type number in the high
 * word. REG_DWORD with one data field is a number (decimal or 0x hex),
 * otherwise binary types take hex bytes ("01,ff"). INF_NOTFOUND if SECTION
 * does not exist; INF_EINVALID (with the line) for an unknown root, a bad
 * flags field or bad data. */
int inf_get_addreg(inf_file *inf, const char *section, struct inf_addregs *out);

/* Root names as written in INF files ("HKR", ...). */
const char *inf_root_name(enum inf_root root);

#ifdef __cplusplus
}
#endif

#endif /* HIVEKIT_INF_H */
