// SPDX-License-Identifier: Apache-2.0
// The differential harness: run one sequence of ODBC calls through a direct DSN and through its
// odbc-retry DSN, record every output of every call into a transcript, and compare.
//
// A test body is a function of `Pass&`. It makes ODBC calls through the recording helpers below
// (or records what it reads with `note`). The harness runs the body once on the direct DSN and
// once on the retry DSN, each time on a fresh environment and connection, and fails with a diff
// when the two transcripts are not identical.
//
// What is recorded: return codes; for every call every diagnostic record (SQLSTATE, native code,
// message); row data as bytes with their lengths and indicators; the whole output buffer's hash
// (so a stray write past the data shows up); column and parameter metadata. What is not recorded
// is listed where it is skipped, with the reason (search for "not recorded").
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "odbc_harness.h"

namespace ort_it {

enum class Kind { Sqlite, Pg, PgAnsi, Maria };

struct Backend {
    const char* name;    // short name, part of the test name and of every table name
    const char* direct;  // the DSN of the real driver
    const char* retry;   // the same through odbc-retry
    Kind kind;
    const char* needs;  // environment variable the backend needs besides the ini files
};

inline std::ostream& operator<<(std::ostream& os, const Backend& b) {
    return os << b.name;
}

inline const std::vector<Backend>& all_backends() {
    static const std::vector<Backend> backends = {
        {"sqlite", "sqlite_direct", "sqlite_retry", Kind::Sqlite, "ORT_SQLITE_DB"},
        {"pg", "pg_direct", "pg_retry", Kind::Pg, "ORT_PG_PORT"},
        {"pga", "pga_direct", "pga_retry", Kind::PgAnsi, "ORT_PG_PORT"},
        {"maria", "maria_direct", "maria_retry", Kind::Maria, "ORT_MARIADB_PORT"},
    };
    return backends;
}

// Backends whose target driver has no W entry points (see Pass::w_emulated).
inline bool w_emulated_backend(const Backend& b) {
    return b.kind == Kind::Sqlite || b.kind == Kind::PgAnsi;
}

enum class Fetch { Char, WChar, Native };

// One pass of a test body on one DSN.
class Pass {
  public:
    Pass(const Backend& backend, std::string dsn, bool through_retry, Transcript& transcript);
    ~Pass();
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

    const Backend& b;
    const std::string dsn;
    const bool
        retry;  // true on the odbc-retry pass (for messages only: bodies must not branch on it)
    Transcript& t;
    SQLHENV env = SQL_NULL_HENV;
    SQLHDBC dbc = SQL_NULL_HDBC;
    bool ok = false;

    bool sqlite() const { return b.kind == Kind::Sqlite; }
    bool pg() const { return b.kind == Kind::Pg || b.kind == Kind::PgAnsi; }
    bool maria() const { return b.kind == Kind::Maria; }
    // The same SQL fragment in each dialect.
    std::string pick(const char* sqlite_sql, const char* pg_sql, const char* maria_sql) const {
        return sqlite() ? sqlite_sql : pg() ? pg_sql : maria_sql;
    }
    // A table name private to one test and one backend: ort_<base>_<backend>.
    std::string table(const std::string& base) const { return "ort_" + base + "_" + b.name; }

    // ---- recording
    void note(std::string line) { t.add(std::move(line)); }
    // Records "what -> RC" and every diagnostic record of `handle`.
    SQLRETURN rec(const std::string& what, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle);
    SQLRETURN st(const std::string& what, SQLRETURN rc, SQLHSTMT s) {
        return rec(what, rc, SQL_HANDLE_STMT, s);
    }
    SQLRETURN cn(const std::string& what, SQLRETURN rc) {
        return rec(what, rc, SQL_HANDLE_DBC, dbc);
    }
    void diag_lines(SQLSMALLINT type, SQLHANDLE handle);
    // Names a buffer so that pointers read back from descriptors can be recorded by name.
    void name_pointer(const void* p, std::string name) { pointers_[p] = std::move(name); }
    std::string pointer(const void* p) const;

    // ---- normalisation --------------------------------------------------------------------
    // Every rule that makes the two transcripts comparable is one of these functions; each says
    // why the raw output differs between two runs of the *same* driver (ORT_DIFFERENTIAL_SELF=1
    // finds such output: it runs the direct DSN twice), or names the driver manager's deviations
    // that odbc-retry does not reproduce, so that no other difference caused by odbc-retry is
    // ever hidden.
    //
    // ---- W-form calls on an ANSI-only target: THE rule ------------------------------------
    // sqliteodbc and psqlODBC ANSI have no W entry points (w_emulated()). On the direct path the
    // driver manager emulates a W call over the A function; through odbc-retry, odbc-retry
    // converts between UTF-16 and UTF-8 itself and follows the ODBC spec. The driver manager's
    // emulation deviates from the spec in these known ways:
    //   DM-W1  It refuses SQLColumnPrivilegesW and SQLSetCursorNameW with IM001 "Driver does not
    //          support this function" (the target's SQLGetFunctions denies the function, so the
    //          driver manager drops its A form and has nothing to map the W form to). odbc-retry
    //          refuses them with IM001 too (it does not convert to a form the target denies); the
    //          texts differ as in DM-W5.
    //   DM-W2  Truncated text: it returns the target's answer unchanged (sqliteodbc: SQL_SUCCESS
    //          without 01004; psqlODBC: its own 01004 text); odbc-retry returns
    //          SQL_SUCCESS_WITH_INFO with its own "[odbc-retry] String data, right truncated".
    //   DM-W3  The reported length is the A function's: bytes of UTF-8 instead of characters
    //          (SQLNativeSqlW, SQLGetCursorNameW), the truncated instead of the full length
    //          (sqliteodbc), characters where the spec says bytes (SQLGetDescFieldW), and it is
    //          written even when the call failed (SQLColAttributeW); it also passes a capacity in
    //          characters to the A function as bytes. odbc-retry reports the full length in the
    //          units the spec gives.
    //   DM-W4  It leaves uninitialised bytes after the text it converted (even when the text is
    //          empty or the call failed), and writes no terminator into a truncated buffer
    //          (SQLGetInfoW). Over sqliteodbc, which leaves a truncated A value unterminated, it
    //          reads past its own buffer and writes what it found past the capacity it was given
    //          (tests give such calls far larger buffers; SQLNativeSqlW is not called on sqlite).
    //   DM-W5  When the target does not support a function, the IM001 record is the refuser's
    //          own: the driver manager's on the direct path, odbc-retry's through odbc-retry. The
    //          driver manager drops a driver's A entry point that SQLGetFunctions denies but keeps
    //          its W entry point, and passes the W call (for some functions, such as
    //          SQLSetDescField, also the A call) on to odbc-retry's W entry point. Only these two
    //          texts are concerned, on every call of these backends; the SQLSTATE and the native
    //          code are compared.
    // So for these backends a W-form call is compared on what the spec fixes: the return code
    // (its class only, succeeded or not, for calls that return text: DM-W2), every diagnostic
    // record except 01004 on calls that return text (DM-W2) and the two texts of DM-W5, the
    // text returned up to its terminator and at most the buffer's capacity less one character
    // (DM-W3, DM-W4), and not the reported length of text (DM-W3) nor the bytes after the text
    // (DM-W4). A-form calls (but for DM-W5) and every other backend are compared exactly: the
    // helpers below change nothing there.
    bool w_emulated() const { return w_emulated_backend(b); }
    enum class WOut { None, Text };
    // Records a W-form call, "what -> RC" and its diagnostic records, under the rule. `out` says
    // whether the call returns text to the application.
    SQLRETURN w_rec(const std::string& what, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle,
                    WOut out);
    SQLRETURN w_st(const std::string& what, SQLRETURN rc, SQLHSTMT s, WOut out = WOut::None) {
        return w_rec(what, rc, SQL_HANDLE_STMT, s, out);
    }
    SQLRETURN w_cn(const std::string& what, SQLRETURN rc, WOut out = WOut::None) {
        return w_rec(what, rc, SQL_HANDLE_DBC, dbc, out);
    }
    // The return code of a W-form call that returns text, as recorded (DM-W2).
    std::string w_rc(SQLRETURN rc) const;
    // The diagnostic records of a W-form call that returns text (DM-W2, DM-W5).
    void w_diag_lines(SQLSMALLINT type, SQLHANDLE handle);
    // "len=N" for the length of text a W-form call reported (DM-W3).
    std::string w_len(long length) const;
    // The text a W call returned: up to the terminator, and (w_emulated) at most capacity-1
    // characters, nothing when the reported length is 0 or less (DM-W3, DM-W4).
    std::string w_text(const SQLWCHAR* buffer, size_t capacity_chars, long reported_chars) const;
    // "#hash" of a whole output buffer of a W call, or a note that it is not compared (DM-W4).
    std::string w_buffer(const void* buffer, size_t bytes) const;
    // Hex of a small W output buffer of `capacity_bytes`; (w_emulated) only the text in it, as
    // w_text (DM-W4).
    std::string w_hex(const void* buffer, size_t bytes, size_t capacity_bytes) const;
    // Output that exists only because a W-form call succeeded (DM-W1): lines recorded while one
    // of these lives carry kWDependent in front.
    class WDependent {
      public:
        explicit WDependent(Pass& r);
        ~WDependent();
        WDependent(const WDependent&) = delete;
        WDependent& operator=(const WDependent&) = delete;

      private:
        Pass& r_;
    };
    // ---- SQLGetDiagField of a target without SQLGetDiagRec ---------------------------------
    // sqliteodbc's SQLGetFunctions denies SQLGetDiagRec (it has SQLError and SQLGetDiagField).
    // On the direct path the driver manager therefore reads its records with SQLError and
    // answers SQLGetDiagField for a record from its own copies: SQL_ERROR for the origin and name
    // fields (8 to 11), the W forms of SQLSTATE and MESSAGE_TEXT from UTF-16 copies, and a
    // phantom record past the last one. odbc-retry must offer SQLGetDiagRec to the driver
    // manager (it keeps a driver's W entry points whatever SQLGetFunctions says and, finding
    // SQLGetDiagRecW, would read our records into its SQLError list only, so that SQLGetDiagRec
    // saw none), so through odbc-retry the driver manager passes these calls on: the W forms go
    // to our A SQLGetDiagField (the driver manager keeps the SQLSTATE's A length and drops the
    // MESSAGE_TEXT, as it does for psqlODBC and MariaDB on both paths), the origin fields are
    // computed from the SQLSTATE, and a record past the last one is SQL_NO_DATA. So for these
    // targets SQLGetDiagRec (A and W), SQLError (A and W), the header fields and SQLGetDiagField's
    // SQLSTATE (A), SQL_DIAG_NATIVE and MESSAGE_TEXT (A) are compared; the other record fields
    // and the fields of records past the last one are not.
    bool diag_fields_from_dm_copies() const { return b.kind == Kind::Sqlite; }

    // A cursor name the driver generated holds a handle address (psqlODBC "SQL_CUR0x...",
    // sqliteodbc "CUR_0000..."): it differs between any two statements.
    static std::string cursor_name(const std::string& name);

    // ---- statements
    SQLHSTMT alloc_stmt();
    void free_stmt(SQLHSTMT s);
    SQLRETURN exec(SQLHSTMT s, const std::string& sql);
    SQLRETURN execw(SQLHSTMT s, const std::string& sql);
    SQLRETURN prepare(SQLHSTMT s, const std::string& sql);
    SQLRETURN preparew(SQLHSTMT s, const std::string& sql);
    // Allocates a statement, runs `sql` (recorded), frees it.
    SQLRETURN sql(const std::string& sql);
    // Runs `sql` on a statement of its own without recording anything (clean-up before a test).
    void quiet(const std::string& sql);
    void quiet_drop(const std::string& table) { quiet("DROP TABLE IF EXISTS " + table); }

    // ---- results
    // Records SQLNumResultCols, SQLDescribeCol of each column, then every row (at most
    // `max_rows`) with SQLGetData in the chosen C types. Returns the number of rows fetched.
    int dump_result(SQLHSTMT s, Fetch how, int max_rows = 5000);
    // One SQLGetData loop on one column: chunks of `chunk` bytes until the value is complete.
    // `collect` gets the value's bytes; `show` puts them into the transcript (else a hash).
    void get_cell(SQLHSTMT s, SQLUSMALLINT column, SQLSMALLINT c_type, SQLLEN chunk,
                  const std::string& label, std::string* collect = nullptr, bool show = true);

  private:
    void diag_lines_w_rule(SQLSMALLINT type, SQLHANDLE handle, bool returns_text);
    std::map<const void*, std::string> pointers_;
};

// A statement handle of a Pass, freed (recorded) at the end of its scope.
class Stmt {
  public:
    explicit Stmt(Pass& r) : r_(r), h(r.alloc_stmt()) {}
    ~Stmt() { r_.free_stmt(h); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    operator SQLHSTMT() const { return h; }

  private:
    Pass& r_;

  public:
    SQLHSTMT h;
};

using Body = std::function<void(Pass&)>;

// The mark of a line recorded inside a Pass::WDependent scope (backends with w_emulated()).
inline constexpr const char* kWDependent = "[W-dependent] ";

// Runs `body` on the direct and on the retry DSN of `backend` and fails with a diff when the
// transcripts differ. With ORT_TRANSCRIPT_DIR set, both transcripts are also written there.
void differential(const Backend& backend, const std::string& test_name, const Body& body);

// The C type that holds a value of `sql_type` natively.
SQLSMALLINT native_c_type(SQLSMALLINT sql_type);
// Size of a fixed-length C type's buffer, 0 for variable-length types.
size_t fixed_c_size(SQLSMALLINT c_type);
// A fixed-length C value as text.
std::string format_fixed(SQLSMALLINT c_type, const void* buffer);
const char* c_type_name(SQLSMALLINT c_type);

}  // namespace ort_it
