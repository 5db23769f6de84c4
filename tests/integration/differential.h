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
    const char* needs;   // environment variable the backend needs besides the ini files
};

inline std::ostream& operator<<(std::ostream& os, const Backend& b) { return os << b.name; }

inline const std::vector<Backend>& all_backends() {
    static const std::vector<Backend> backends = {
        {"sqlite", "sqlite_direct", "sqlite_retry", Kind::Sqlite, "ORT_SQLITE_DB"},
        {"pg", "pg_direct", "pg_retry", Kind::Pg, "ORT_PG_PORT"},
        {"pga", "pga_direct", "pga_retry", Kind::PgAnsi, "ORT_PG_PORT"},
        {"maria", "maria_direct", "maria_retry", Kind::Maria, "ORT_MARIADB_PORT"},
    };
    return backends;
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
    const bool retry;  // true on the odbc-retry pass (for messages only: bodies must not branch on it)
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
    SQLRETURN st(const std::string& what, SQLRETURN rc, SQLHSTMT s) { return rec(what, rc, SQL_HANDLE_STMT, s); }
    SQLRETURN cn(const std::string& what, SQLRETURN rc) { return rec(what, rc, SQL_HANDLE_DBC, dbc); }
    void diag_lines(SQLSMALLINT type, SQLHANDLE handle);
    // Names a buffer so that pointers read back from descriptors can be recorded by name.
    void name_pointer(const void* p, std::string name) { pointers_[p] = std::move(name); }
    std::string pointer(const void* p) const;

    // ---- normalisation --------------------------------------------------------------------
    // Every rule that makes the two transcripts comparable is one of these functions; each says
    // why the raw output differs between two runs of the *same* driver, so that no difference
    // caused by odbc-retry is ever hidden. (ORT_DIFFERENTIAL_SELF=1 finds such output: it runs
    // the direct DSN twice.)
    //
    // W functions on a target without W entry points (sqliteodbc, psqlODBC ANSI): on the direct
    // path the driver manager emulates them over the A function, converting through a buffer
    // of its own; it leaves uninitialised bytes after the text it converted (even when the
    // text is empty or the call failed). For these backends a W output is compared up to the
    // length the call reported, and the bytes after it are not compared.
    bool w_emulated() const { return b.kind == Kind::Sqlite || b.kind == Kind::PgAnsi; }
    // The text a W call returned: up to the terminator, or (w_emulated) up to `reported_chars`.
    std::string w_text(const SQLWCHAR* buffer, size_t capacity_chars, long reported_chars) const;
    // "#hash" of a whole output buffer of a W call, or a note that it is not compared.
    std::string w_buffer(const void* buffer, size_t bytes) const;
    // Hex of a small W output buffer; (w_emulated) only its first `used_bytes` bytes.
    std::string w_hex(const void* buffer, size_t bytes, size_t used_bytes) const;
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
    void get_cell(SQLHSTMT s, SQLUSMALLINT column, SQLSMALLINT c_type, SQLLEN chunk, const std::string& label,
                  std::string* collect = nullptr, bool show = true);

private:
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
