/* exit.h - the exit statuses of hivekit: the one table.
 *
 * Every command exits with one of these. The meanings below are printed by
 * `hivekit --help`; README.md ("Exit status") and hivekit(1) ("EXIT
 * STATUS") say the same, and tests/cli/test_exit_cli.sh checks that the
 * README lists exactly these numbers.
 *
 * Which status a failure gets depends on what failed, never on the text of
 * a message:
 *   - a library status is mapped by the function that knows its space:
 *     cli_exit_regf() for REGF_* (regf.h), cli_exit_inf() for INF_*
 *     (inf.h, a separate range of numbers);
 *   - a missing or unreadable input file (a hive, a .reg file, an INF,
 *     a --log file, a driver file next to the INF) is EXIT_FILE, like a
 *     hive that cannot be read or written;
 *   - malformed input text (.reg, INF) is EXIT_DATA, whatever command
 *     reads it, and so is a driver binary Windows could not boot (not a
 *     PE image for the guest's machine, or unsigned: inject --root). */
#ifndef HIVEKIT_EXIT_H
#define HIVEKIT_EXIT_H

/* X(NAME, NUMBER, MEANING), in increasing order of NUMBER. */
#define CLI_EXIT_TABLE(X)                                                    \
    X(EXIT_OK, 0, "success")                                                 \
    X(EXIT_NOTFOUND, 1, "a requested key or value does not exist; check: "  \
      "problems found")                                                      \
    X(EXIT_FILE, 2, "a file cannot be read or written: an input file "      \
      "(hive, .reg, INF, --log file, driver file) is missing or unreadable, " \
      "the hive is not a hive, corrupt, dirty or not writable, an edit "    \
      "exceeds a format limit, recover finds no log that applies, or the "  \
      "output cannot be written (also: out of memory); nothing was changed")                      \
    X(EXIT_PARTIAL, 3, "inject --software: SYSTEM was written but SOFTWARE " \
      "was not (the message says which); the driver boots, DevicePath is "  \
      "unchanged")                                                           \
    X(EXIT_WARN, 4, "doctor: the guest boots on the requested target(s), " \
      "with warnings")                                                       \
    X(EXIT_NOBOOT, 5, "doctor: the guest will not boot on a requested "     \
      "target (with --target any: on none of them)")                        \
    X(EXIT_USAGE, 64, "usage error: unknown command or option, wrong "      \
      "arguments, malformed DATA, --time or --windows, a refused request "  \
      "such as deleting the root key")                                       \
    X(EXIT_DATA, 65, "malformed input: a .reg file (import) or an INF "     \
      "(inject --inf) that is invalid or offers nothing for the guest, or " \
      "a driver binary (inject --root) that is not a signed PE image for "  \
      "the guest; nothing was changed")                                  \
    X(EXIT_BUSY, 75, "another process is writing the hive (or reading "   \
      "it while this command would write it) and --wait SECONDS (default " \
      "5) ran out; nothing was changed: try again")

enum cli_exit {
#define CLI_EXIT_ENUM(name, number, meaning) name = number,
    CLI_EXIT_TABLE(CLI_EXIT_ENUM)
#undef CLI_EXIT_ENUM
};

/* The exit status for a REGF_* status: REGF_NOTFOUND is EXIT_NOTFOUND,
 * REGF_EINVAL (a bad key path or argument) EXIT_USAGE, any other failure
 * REGF_EBUSY (the hive is locked) EXIT_BUSY, any other failure
 * EXIT_FILE. */
int cli_exit_regf(int regf_status);

/* The exit status for an INF_* status of inf.h (as inj_from_inf returns
 * them): INF_EIO (the file cannot be read) EXIT_FILE, INF_EARG EXIT_USAGE,
 * INF_ENOMEM EXIT_FILE, and everything the INF's content causes
 * (INF_ESYNTAX, INF_EINVALID, INF_ELIMIT, INF_NOTFOUND: nothing for the
 * guest) EXIT_DATA. */
int cli_exit_inf(int inf_status);

#endif
