/* commands.c - the table of hivekit's commands and their options.
 *
 * Everything about a command line is declared here and nowhere else: the
 * parser (args.c), `hivekit --help` and `hivekit CMD --help` (help.c) and
 * the bash completion (`hivekit --list-options CMD`) read this table. An
 * option's help is one paragraph, wrapped when printed; a command's
 * description keeps its own line breaks. */
#include <string.h>

#include "cli.h"

/* ---- options several commands share ------------------------------------ */

const struct cli_option cli_write_options[] = {
    { "backup", 0, NULL, OPT_BACKUP,
      "keep the previous file as HIVE.bak, or HIVE.bak.2 ... when that "
      "exists (a backup is never overwritten; the name is said): mode "
      "0600, with the NTFS security descriptor, attributes, creation time "
      "and streams of the original where the filesystem shows them; a "
      "dirty hive's transaction logs are kept beside it (HIVE.bak.LOG1 "
      "...) for `hivekit recover HIVE.bak`" },
    { "replace", 0, NULL, OPT_REPLACE,
      "write a new file (temporary file, synced, renamed over HIVE) instead "
      "of the default journaled write in place (the changed pages to "
      "HIVE.LOG1 first, then into the file, which keeps its inode, owner, "
      "mode, NTFS security descriptor, attributes, streams and hard links). "
      "A replaced file loses its NTFS identity: use it only on plain copies" },
    { "time", 0, "T", OPT_TIME,
      "time given to changed keys and the header: a FILETIME number, an "
      "ISO 8601 UTC time such as 2024-01-02T03:04:05Z, or 'now' (the "
      "default; the HIVEKIT_TIME environment variable takes the same "
      "forms). A fixed time makes the output reproducible" },
    { "verbose", 'v', NULL, OPT_VERBOSE,
      "one line on standard error saying what was done, after one "
      "saying whether Landlock limits where the run may write "
      "(HIVEKIT_NO_LANDLOCK=1 turns it off)" },
    { NULL, 0, NULL, 0, NULL }
};

const struct cli_option cli_dirty_options[] = {
    { "recover", 0, NULL, OPT_RECOVER,
      "a dirty hive is first recovered from its transaction logs (as "
      "'hivekit recover' does), then edited, and written in one atomic "
      "write; its logs are then reset to 0 bytes" },
    { "force", 0, NULL, OPT_FORCE,
      "write a dirty hive none of whose logs applies (none found, empty, "
      "stale or damaged) as it is on disk, made clean; what only the logs "
      "or Windows' memory held is lost (a warning says so)" },
    { NULL, 0, NULL, 0, NULL }
};

const struct cli_option cli_wait_option[] = {
    { "wait", 0, "SECONDS", OPT_WAIT,
      "when another process is writing the hive (or reading it while this "
      "command would write it), wait up to SECONDS for it (default 5; 0: "
      "do not wait), then fail with exit status 75; no command starts "
      "from a state another is about to change" },
    { NULL, 0, NULL, 0, NULL }
};

const struct cli_option cli_help_option[] = {
    { "help", 'h', NULL, OPT_HELP, "print this help and exit" },
    { NULL, 0, NULL, 0, NULL }
};

const char cli_write_note[] =
    "A dirty hive (its transaction logs hold newer data) is refused before\n"
    "anything is changed. The file is replaced atomically and keeps its\n"
    "permissions; on any error it is left unchanged.\n";

const char cli_overview_note[] =
    "KEY is a backslash-separated path from the hive root (leading\n"
    "backslash optional), matched case-insensitively as Windows does.\n"
    "Options may come before or after arguments; 'hivekit COMMAND\n"
    "--help' describes each command. The editing commands take\n"
    "--backup, --time T (or HIVEKIT_TIME) and -v, refuse a dirty hive\n"
    "(set, rm, mkkey, import and inject take --recover to replay its logs\n"
    "first) and leave the file unchanged on any error.\n";

/* ---- the commands' own options -------------------------------------------- */

static const struct cli_option info_options[] = {
    { "json", 0, NULL, OPT_JSON,
      "one JSON object instead (its shape: README.md, hivekit(1))" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option ls_options[] = {
    { "json", 0, NULL, OPT_JSON,
      "one JSON object instead, with every value's full data (its shape: "
      "README.md, hivekit(1))" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option get_options[] = {
    { "raw", 0, NULL, OPT_RAW,
      "write the exact stored bytes to standard output" },
    { "json", 0, NULL, OPT_JSON,
      "one JSON object: key, name, type, size, decoded data and the stored "
      "bytes in hex (shape: README.md, hivekit(1))" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option export_options[] = {
    { "prefix", 0, "PREFIX", OPT_PREFIX,
      "replaces the hive root in key headers: [PREFIX], [PREFIX\\Sub\\Key]. "
      "Default: HKEY_LOCAL_MACHINE\\NAME, NAME being the hive's file name "
      "without its last extension (SYSTEM -> HKEY_LOCAL_MACHINE\\SYSTEM, "
      "NTUSER.DAT -> HKEY_LOCAL_MACHINE\\NTUSER)" },
    { "output", 'o', "FILE", OPT_OUTPUT,
      "write to FILE (replaced only when the export succeeded) instead of "
      "standard output" },
    { "utf16", 0, NULL, OPT_UTF16,
      "UTF-16LE with a byte order mark and CRLF line ends, as regedit.exe "
      "writes; default UTF-8 with LF" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option check_options[] = {
    { "json", 0, NULL, OPT_JSON, "one JSON object instead (see README.md)" },
    { "strict", 0, NULL, OPT_STRICT,
      "also the rules every hive hivekit writes keeps (no leaked cells, "
      "exact reference counts, canonical encodings); real Windows hives "
      "may break these" },
    { "allow-dirty", 0, NULL, OPT_ALLOW_DIRTY,
      "do not report a dirty hive (Sequence1 != Sequence2); its bins are "
      "checked as they are on disk either way" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option set_options[] = {
    { "parents", 'p', NULL, OPT_PARENTS,
      "create KEY and its missing parents (without it a missing KEY is an "
      "error, status 1)" },
    { "hex", 0, NULL, OPT_HEX,
      "DATA is hex bytes for any TYPE (the exact bytes)" },
    { "sep", 0, "C", OPT_SEP, "multi_sz: split the one DATA argument at C" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option mkkey_options[] = {
    { "parents", 'p', NULL, OPT_PARENTS,
      "accepted (as for set); the missing parents are always created" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option new_options[] = {
    { "minor", 0, "N", OPT_MINOR,
      "format version 1.N, 3 to 6 (default 5, as Windows XP and later "
      "write)" },
    { "time", 0, "T", OPT_TIME,
      "time of the header and the root key: FILETIME, ISO 8601 UTC or "
      "'now' (default; also HIVEKIT_TIME)" },
    { "backup", 0, NULL, OPT_BACKUP,
      "accepted for symmetry; there is no previous file" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option import_options[] = {
    { "prefix", 0, "PREFIX", OPT_PREFIX,
      "the key header that stands for the hive root; every header must be "
      "PREFIX or below it. Default: HKEY_LOCAL_MACHINE\\NAME, NAME being "
      "the hive's file name without its last extension (as for export)" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option recover_options[] = {
    { "log", 0, "FILE", OPT_LOG,
      "replay FILE instead of the logs found beside HIVE (repeat for "
      "several; at most 8). Such files are not reset; the logs beside HIVE "
      "are" },
    { "dry-run", 'n', NULL, OPT_DRY_RUN,
      "print what would be replayed; write nothing" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option inject_options[] = {
    { "root", 0, "DIR", OPT_ROOT,
      "a mounted Windows volume: SYSTEM and SOFTWARE are found below it "
      "(any case), the driver binary is copied to "
      "Windows\\System32\\drivers and the INF, SYS and CAT to "
      "Windows\\Drivers\\VirtIO (needs --virtio-win or --inf); a hibernated "
      "or Fast Startup guest is refused" },
    { "system", 0, "FILE", OPT_SYSTEM,
      "the guest's Windows\\System32\\config\\SYSTEM" },
    { "software", 0, "FILE", OPT_SOFTWARE,
      "the guest's SOFTWARE hive (optional)" },
    { "virtio-win", 0, "DIR", OPT_VIRTIO_WIN,
      "a virtio-win tree (the mounted ISO, or the RPM's "
      "/usr/share/virtio-win): the folder that fits the guest is chosen "
      "from its SYSTEM hive (architecture, Windows version and build, "
      "client or server; SOFTWARE refines it), in any layout the ISO and "
      "RPM have had, and its INF checked against the guest (decoration, "
      "DriverVer, .sys and .cat beside it); one line says what was "
      "detected and chosen. Another edition's folder of the same driver "
      "build (2k22 -> 2k19 -> 2k16 -> w10, 2k25 -> w11, 2k12R2 -> w8.1) is "
      "taken with a warning; an older Windows' folder only with --force. "
      "Drivers: --driver (default viostor)" },
    { "inf", 0, "FILE|DIR", OPT_INF,
      "the driver's INF (repeat for several drivers): service, binary, "
      "start type, group, HKR values, PCI ids, class and DriverVer all come "
      "from it ([Manufacturer] decoration chosen for the guest's "
      "architecture and Windows version; an INF for another Windows is "
      "refused, saying which folder would fit). A folder: the one INF in "
      "it, or the one --driver names" },
    { "driver", 0, "NAME[,NAME...]", OPT_DRIVER,
      "the drivers to inject, e.g. viostor,vioscsi so the guest boots on "
      "either controller: looked up with --virtio-win or picked in an "
      "--inf folder; alone, the built-in descriptions of viostor "
      "(virtio-blk) and vioscsi (virtio-scsi), virtio-win "
      "100.85.104.20800, for when no INF is at hand" },
    { "windows", 0, "VER", OPT_WINDOWS,
      "the guest's Windows version (e.g. 6.1.7601, 10.0.19041), over what "
      "the hives say: SYSTEM (DriverDatabase, BuildLab, class driver "
      "versions), refined by SOFTWARE when given" },
    { "arch", 0, "ARCH", OPT_ARCH,
      "the guest's architecture: amd64 (x64, x86_64), x86 (i386) or arm64, "
      "any case; default: the guest's own (PROCESSOR_ARCHITECTURE in the "
      "hive), which a given --arch must match" },
    { "dry-run", 'n', NULL, OPT_DRY_RUN,
      "print the changes as a .reg patch on standard output and, on "
      "standard error, what would be done (strings as text); write "
      "nothing (works on a read-only mount)" },
    { "patch-dir", 0, "DIR", OPT_PATCH_DIR,
      "also save the change set in DIR (created if missing): SYSTEM.reg and "
      "SOFTWARE.reg, each importable with `hivekit import`, and "
      "changes.txt; existing files are never overwritten" },
    { "json", 0, NULL, OPT_JSON,
      "with --dry-run (not --root): the changes as one JSON object instead "
      "(shape: README.md, hivekit(1))" },
    { "undo", 0, "FILE", OPT_UNDO,
      "when the run changes something, write what undoes it: FILE (the "
      "SYSTEM part as a .reg patch, for `hivekit import --prefix "
      "HKEY_LOCAL_MACHINE\\SYSTEM`), FILE with -software before its .reg "
      "extension (the SOFTWARE part) and FILE with .undo instead of .reg, "
      "the manifest `hivekit undo` reads (also the files copied). None of "
      "them may exist: an undo file is never overwritten" },
    { "devicepath", 0, "DIR", OPT_DEVICEPATH,
      "the folder added to DevicePath (default "
      "%SystemRoot%\\Drivers\\VirtIO)" },
    { "stage", 0, NULL, OPT_STAGE,
      "with --root, on Windows 8 and later: stage each driver's package "
      "as PnP does: INF, SYS and CAT into "
      "Windows\\System32\\DriverStore\\FileRepository\\<label>, the INF "
      "published as Windows\\INF\\oemNN.inf (a number free in OemInfMap, "
      "which gets its bit), and the DriverDatabase entries under that name "
      "with OemPath" },
    { "fix-filters", 0, NULL, OPT_FIX_FILTERS,
      "repair: in every control set, take out of the UpperFilters and "
      "LowerFilters of the DiskDrive, SCSIAdapter, HDC, Volume and System "
      "classes each filter whose service is missing or disabled and the "
      "leftovers of Parallels, Xen and Red Hat's old drivers; Windows' own "
      "filters stay, VMware's and Hyper-V's only go when missing or "
      "disabled. A list of another type than REG_MULTI_SZ is left alone "
      "with a warning" },
    { "fallback", 0, "NAME[,NAME...]", OPT_FALLBACK,
      "repair: make these in-box controller drivers boot-start (Start 0, "
      "StartOverride removed) in every control set, so the guest also "
      "boots on that controller: storahci, stornvme (Windows 8 and 8.1 "
      "on), msahci (Vista, 7), iaStorV, pciide, intelide, atapi; one the "
      "guest's Windows lacks is refused" },
    { "disable-leftovers", 0, NULL, OPT_DISABLE_LEFTOVERS,
      "repair: Start 4 for the services of Parallels (prl_*), Xen (xen*, "
      "scsifilt) and Red Hat's old rhelscsi, each also taken out of every "
      "filter list --fix-filters cleans" },
    { "no-autoreboot", 0, NULL, OPT_NO_AUTOREBOOT,
      "repair: CrashControl AutoReboot 0, so a stop error stays on the "
      "screen" },
    { "force", 0, NULL, OPT_FORCE,
      "inject even when the driver binary fails the check of --root (not "
      "a PE image for the guest's machine type, or without an embedded "
      "signature: Windows would not boot it), with a warning; with "
      "--virtio-win, let an older Windows' folder stand in for the "
      "guest's; and, as for the other editing commands, write a dirty "
      "hive none of whose logs applies as it is on disk, made clean" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option undo_options[] = {
    { "root", 0, "DIR", OPT_ROOT,
      "the mounted Windows volume, when it is mounted elsewhere than when "
      "the run was made (default: the manifest's)" },
    { "dry-run", 'n', NULL, OPT_DRY_RUN,
      "say what would be taken back; write nothing" },
    { NULL, 0, NULL, 0, NULL }
};

static const struct cli_option doctor_options[] = {
    { "root", 0, "DIR", OPT_ROOT,
      "a mounted Windows volume (may be read-only): SYSTEM and SOFTWARE "
      "are found below it (any case), and every driver binary the "
      "diagnosis names is checked: present, a PE image for the guest's "
      "machine type, with an embedded signature; a hibernated or Fast "
      "Startup guest is reported" },
    { "system", 0, "FILE", OPT_SYSTEM,
      "the guest's SYSTEM hive (binaries are then not checked)" },
    { "software", 0, "FILE", OPT_SOFTWARE,
      "the guest's SOFTWARE hive (optional): device installation "
      "policies, SHA-2 support on Windows 7 / 2008 R2, BitLocker policy" },
    { "target", 0, "T[,T...]", OPT_TARGET,
      "the controller the guest will boot from: virtio-blk (the default), "
      "virtio-scsi, sata (AHCI), nvme, ide, or any (every one; the status "
      "then says whether it boots on at least one)" },
    { "json", 0, NULL, OPT_JSON,
      "one JSON object instead (shape: docs/doctor.md, hivekit(1))" },
    { "verbose", 'v', NULL, OPT_VERBOSE,
      "also list every id of each device and the demoted services" },
    { NULL, 0, NULL, 0, NULL }
};

/* ---- the commands ------------------------------------------------------------ */

const struct cli_command cli_commands[] = {
    { "info", cmd_info, "HIVE", "header, state, sizes, counts, logs",
      "HIVE [--json]",
      "Shows the format version, sequence numbers, whether the hive is clean\n"
      "or dirty, timestamps, the root key, file and bins sizes, key and value\n"
      "counts, the header checksum and the transaction logs beside the file:\n"
      "each with its format, sequence number, the range of its sound entries\n"
      "and whether `hivekit recover` would replay it (and why not).\n",
      NULL, 1, 1, WRITES_NOTHING, 0, info_options },

    { "ls", cmd_ls, "HIVE [KEY]", "subkeys and values of a key",
      "HIVE [KEY] [--json]",
      "Lists the subkeys and values of KEY (default: the root key). KEY is a\n"
      "backslash-separated path from the hive root, matched case-insensitively;\n"
      "'CurrentControlSet' resolves through Select\\Current in SYSTEM hives.\n"
      "Values are shown with their type, size in bytes and a short rendering.\n",
      NULL, 1, 2, WRITES_NOTHING, 0, ls_options },

    { "get", cmd_get, "HIVE KEY [VALUE]", "one value's data (--raw for bytes)",
      "HIVE KEY [VALUE] [--raw | --json]",
      "Prints the data of value VALUE of KEY. VALUE is matched\n"
      "case-insensitively; an empty VALUE, '@' or no VALUE names the key's\n"
      "default value ('@' falls back to a value literally named '@' when the\n"
      "key has no default value). Strings print as text (REG_MULTI_SZ one\n"
      "string per line), REG_DWORD and REG_QWORD in decimal, anything else\n"
      "as a hex dump.\n",
      NULL, 2, 3, WRITES_NOTHING, 0, get_options },

    { "export", cmd_export, "HIVE [KEY]", "subtree as a .reg file",
      "HIVE [KEY] [--prefix PREFIX] [-o FILE] [--utf16]",
      "Writes the subtree at KEY (default: the whole hive) as a .reg file in\n"
      "the 'Windows Registry Editor Version 5.00' format. The output is\n"
      "lossless: every value's type and exact bytes can be recovered (a value\n"
      "whose bytes the \"string\" or dword: forms would not reproduce is\n"
      "written as hex(N):).\n",
      NULL, 1, 2, WRITES_NOTHING, 0, export_options },

    { "check", cmd_check, "HIVE",
      "full structural check (exit 1: problems)",
      "HIVE [--json] [--strict] [--allow-dirty]",
      "Checks the whole hive against every rule Windows applies when it\n"
      "loads one (base block, bins and cells, keys, values, subkey lists with\n"
      "their order and hashes, security descriptors and reference counts),\n"
      "without changing it. Each problem is printed once:\n"
      "\n"
      "  SEVERITY CODE KEY-PATH (cell 0xOFFSET): message\n"
      "\n"
      "followed by a summary line. SEVERITY says what Windows does with it:\n"
      "  fatal     refuses the hive (a SYSTEM hive no longer boots)\n"
      "  heal      repairs it silently at load: a field is rewritten, or keys,\n"
      "            values or security settings are dropped (data loss)\n"
      "  harmless  loads it unchanged\n",
      "exit status: 0 no problem, 1 problems found, 2 the file cannot be read\n"
      "or is not a hive, 64 usage error.\n",
      1, 1, WRITES_NOTHING, 0, check_options },

    { "set", cmd_set, "HIVE KEY NAME TYPE [DATA...]",
      "create or replace a value",
      "HIVE KEY NAME TYPE [DATA...] [-p] [--hex] [--sep C]",
      "Creates or replaces value NAME of KEY ('' or '@' names the default\n"
      "value). TYPE is a name - sz, expand_sz, multi_sz, dword, dword_be,\n"
      "qword, binary, none, link, resource_list, full_resource_descriptor,\n"
      "resource_requirements_list, with or without REG_, any case - or a\n"
      "number (decimal or 0x hex). DATA, by type:\n"
      "  sz, expand_sz    one UTF-8 string, stored as UTF-16LE with a NUL\n"
      "  link             one string, stored as UTF-16LE without a NUL (as\n"
      "                   registry symbolic links need)\n"
      "  multi_sz         one string per DATA argument (none: an empty list),\n"
      "                   or one argument split at C with --sep C\n"
      "  dword, dword_be  0..4294967295, decimal or 0x hex (-2147483648..-1\n"
      "                   as two's complement); dword_be is big-endian\n"
      "  qword            0..2^64-1, decimal or 0x hex (negative as for dword)\n"
      "  anything else    hex bytes: '01 02 0a', 01,02,0a or 01020a (none:\n"
      "                   no bytes)\n"
      "Put '--' before DATA that starts with '-'.\n",
      NULL, 4, -1, WRITES_HIVE, 1, set_options },

    { "rm", cmd_rm, "HIVE KEY [NAME]",
      "delete a value, or a key with its subtree",
      "HIVE KEY [NAME]",
      "Deletes value NAME of KEY, or without NAME the key KEY with all its\n"
      "subkeys and values. NAME '' or '@' is the default value ('@' falls\n"
      "back to a value literally named '@' when there is no default value, as\n"
      "with get). A missing key or value is status 1; the root key cannot be\n"
      "deleted (status 64).\n",
      NULL, 2, 3, WRITES_HIVE, 1, NULL },

    { "mkkey", cmd_mkkey, "HIVE KEY",
      "create a key and its missing parents",
      "HIVE KEY",
      "Creates KEY and its missing parents, like mkdir -p. A KEY that exists\n"
      "already is success (status 0) and the file is not rewritten (with -v a\n"
      "note says so). New keys share their parent's security descriptor.\n",
      NULL, 2, 2, WRITES_HIVE, 1, mkkey_options },

    { "new", cmd_new, "FILE", "create an empty hive",
      "FILE [--minor N] [--time T] [-v]",
      "Creates FILE as an empty hive: a root key named ROOT with a default\n"
      "security descriptor (owner Administrators; SYSTEM and Administrators\n"
      "full control, Users read). An existing FILE is never overwritten\n"
      "(status 2).\n",
      NULL, 1, 1, WRITES_NEW_FILE, 0, new_options },

    { "import", cmd_import, "HIVE FILE.reg", "apply a .reg file",
      "HIVE FILE.reg [--prefix PREFIX]",
      "Applies FILE.reg ('-' reads standard input) to HIVE: 'Windows Registry\n"
      "Editor Version 5.00' or REGEDIT4, UTF-16LE with BOM or UTF-8. [KEY]\n"
      "creates a key and its parents, [-KEY] deletes a subtree, \"name\"=-\n"
      "deletes a value; \"string\", dword:, hex: and hex(N): values. The whole\n"
      "file is checked first: a syntax error is reported as 'FILE.reg: line\n"
      "L, column C: ...' (status 65) and the hive is left untouched.\n",
      NULL, 2, 2, WRITES_HIVE, 1, import_options },

    { "recover", cmd_recover, "HIVE",
      "replay the transaction logs of a dirty hive",
      "HIVE [--log FILE]... [--dry-run] [--backup]\n[--time T] [-v]",
      "Recovers a dirty hive - one Windows did not finish writing, whose newest\n"
      "data is in its transaction logs HIVE.LOG1/.LOG2 (or HIVE.LOG) - exactly\n"
      "as Windows does when it loads it: only logs whose base block is sound and\n"
      "matches the hive (TimeStamp, sequence number) are used, in the order of\n"
      "their sequence numbers, each up to its first damaged entry, the next one\n"
      "only if it continues the sequence. A damaged base block is rebuilt from\n"
      "the newest log. The result is written atomically (the hive keeps its\n"
      "permissions), then the logs beside HIVE are truncated to 0 bytes, a\n"
      "normal state, so nothing can replay them again.\n"
      "\n"
      "What was replayed is printed: each log with its format, its entries and\n"
      "whether it applied, and why not. A clean hive is left alone (Windows\n"
      "ignores the logs of a clean hive), status 0. If no log applies, or a log\n"
      "is broken in a way Windows refuses, nothing is written or reset: status\n"
      "2 and a message naming each log and why.\n",
      NULL, 1, 1, WRITES_HIVE, 0, recover_options },

    { "inject", cmd_inject, "--system SYSTEM ...",
      "make Windows boot from virtio storage",
      "(--system SYSTEM [--software SOFTWARE] | --root DIR)\n"
      "(--virtio-win DIR | --inf DRIVER.inf|DIR... | --driver NAME |\n"
      " a repair)\n"
      "[--driver NAME[,NAME...]] [--arch ARCH] [--windows VER]\n"
      "[--dry-run [--json]] [--undo UNDO.reg] [--devicepath DIR] [--stage]\n"
      "[--force] [--fix-filters] [--fallback NAME[,NAME...]]\n"
      "[--disable-leftovers] [--no-autoreboot]",
      "Registers a virtio storage driver as boot-start in the SYSTEM hive of\n"
      "an offline Windows guest, so that it boots on virtio after a move to\n"
      "KVM instead of stopping with INACCESSIBLE_BOOT_DEVICE (0x7B): for every\n"
      "control set named by Select, Services\\<driver> (Start 0, ImagePath,\n"
      "Group, BusType ...) with any StartOverride removed, and\n"
      "CriticalDeviceDatabase entries for its PCI ids; on Windows 8 and later\n"
      "(a DriverDatabase in the hive) the driver package entries as well,\n"
      "with the Version value. With --software, DevicePath gets the driver\n"
      "folder. Running it again changes nothing. Several drivers in one\n"
      "run (--driver viostor,vioscsi, or --inf repeated) are planned in\n"
      "turn and written together.\n"
      "\n"
      "The repairs (--fix-filters, --fallback, --disable-leftovers,\n"
      "--no-autoreboot) fix other causes of a failed first boot, in every\n"
      "control set, with or without a driver; they share the dry run, the\n"
      "undo files and the write, and a second run changes nothing. One line\n"
      "per repaired thing names the control set and the service.\n"
      "\n"
      "With --root the driver binary must be a PE image for the guest's\n"
      "machine type with an embedded signature, before and after it is\n"
      "copied to where ImagePath points (System32\\drivers); otherwise\n"
      "nothing is changed (status 65; --force overrides). Without --root the\n"
      "path the binary must be copied to is printed.\n"
      "\n"
      "SYSTEM is written first, then SOFTWARE: when SOFTWARE cannot be\n"
      "written after SYSTEM was, the driver boots but DevicePath is\n"
      "unchanged, and the status is 3. With --virtio-win, --force also\n"
      "lets an older Windows' folder stand in for the guest's.\n"
      "\n"
      "With --root nothing on the volume changes before every hive edit has\n"
      "succeeded: the driver files are copied to temporary names first (a\n"
      "new file gets the security descriptor of System32\\drivers\\disk.sys,\n"
      "a file of other content is kept as NAME.bak), the hives are written,\n"
      "then the files put in place; on a failure or SIGINT/SIGTERM what was\n"
      "written is removed. Temporary files of an earlier interrupted run are\n"
      "reported and removed.\n",
      NULL, 0, 0, WRITES_HIVE, 1, inject_options },

    { "doctor", cmd_doctor, "--system SYSTEM ...",
      "will the guest boot on a given controller? (read-only)",
      "(--root DIR | --system SYSTEM [--software SOFTWARE])\n"
      "[--target T[,T...]|any] [--json] [-v]",
      "Diagnoses, without changing anything, whether an offline Windows guest\n"
      "will boot from the storage controller it is moved to, for every control\n"
      "set named by Select: the boot-start drivers in the order the loader\n"
      "takes them (ServiceGroupOrder, GroupOrderList tags), which driver would\n"
      "bind the controller's PCI ids (DriverDatabase on Windows 8 and later,\n"
      "CriticalDeviceDatabase before) with its service's Start, StartOverride,\n"
      "ImagePath and BusType, the class filters of the storage stack whose\n"
      "service is missing or disabled (or another hypervisor's), and from\n"
      "SOFTWARE device installation policies, SHA-2 support and BitLocker.\n"
      "Each target gets a verdict: \"boots\", or \"will not boot\" with every\n"
      "reason and its fix (hivekit commands where one exists).\n",
      "exit status: 0 boots, 4 boots with warnings, 5 will not boot (with any:\n"
      "on no target), 2 a hive cannot be read, 64 usage error.\n",
      0, 0, WRITES_NOTHING, 0, doctor_options },

    { "undo", cmd_undo, "UNDO",
      "take back what an inject --undo run changed",
      "UNDO [--root DIR] [--dry-run]",
      "Reads the manifest that `inject --undo FILE.reg` wrote beside FILE.reg\n"
      "(FILE.undo; UNDO may name either) and takes back what is still as\n"
      "that run left it: values it created are deleted and values it changed\n"
      "or deleted restored, when they still hold what it wrote; keys it\n"
      "created are deleted only when empty afterwards (what a later run added\n"
      "below them stays); subtrees it removed come back; files it copied are\n"
      "removed (or the file they replaced put back) when their content is\n"
      "still the one copied, and folders it made when empty. Everything kept\n"
      "is named on standard error.\n",
      NULL, 1, 1, WRITES_HIVE, 1, undo_options },
};

const size_t cli_ncommands = sizeof cli_commands / sizeof *cli_commands;

const struct cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < cli_ncommands; i++)
        if (strcmp(name, cli_commands[i].name) == 0)
            return &cli_commands[i];
    return NULL;
}

/* The option lists CMD takes, in help order. */
static const struct cli_option *option_group(const struct cli_command *cmd,
                                             size_t g)
{
    switch (g) {
    case 0: return cmd->options;
    case 1: return cmd->dirty_options ? cli_dirty_options : NULL;
    case 2: return cmd->writes != WRITES_NOTHING ? cli_write_options : NULL;
    case 3: return cmd->writes != WRITES_NEW_FILE ? cli_wait_option : NULL;
    case 4: return cli_help_option;
    default: return NULL;
    }
}

/* Does a group before G (or the part of group G before index I) declare
 * option ID? */
static int declared_before(const struct cli_command *cmd, size_t g, size_t i,
                           enum cli_opt_id id)
{
    for (size_t k = 0; k <= g; k++) {
        const struct cli_option *o = option_group(cmd, k);
        for (size_t j = 0; o && o[j].name && (k < g || j < i); j++)
            if (o[j].id == id)
                return 1;
    }
    return 0;
}

const struct cli_option *cli_next_option(const struct cli_command *cmd,
                                         size_t *it)
{
    /* *IT holds the group in its high bits and the index in the low 8. */
    for (;;) {
        size_t g = *it >> 8, i = *it & 0xFF;
        if (g > 4)
            return NULL;
        const struct cli_option *o = option_group(cmd, g);
        if (!o || !o[i].name) {
            *it = (g + 1) << 8;
            continue;
        }
        *it += 1;
        if (!declared_before(cmd, g, i, o[i].id))
            return &o[i];
    }
}
