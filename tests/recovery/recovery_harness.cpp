// SPDX-License-Identifier: Apache-2.0
#include "recovery_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef ORT_RETRY_LIBRARY
#error "ORT_RETRY_LIBRARY must name the built libodbcretry.so (tests/recovery/CMakeLists.txt)"
#endif
#ifndef ORT_FAKE_LIBRARY
#error "ORT_FAKE_LIBRARY must name the built libodbcfake.so (tests/recovery/CMakeLists.txt)"
#endif

namespace ort_recovery {

namespace fs = std::filesystem;

// ---- environment ------------------------------------------------------------------------------

std::string env_value(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

namespace {
// The values the workspace replaces, as they were when the process started.
std::string& original(const char* name) {
    static std::string sysini = env_value("ODBCSYSINI"), ini = env_value("ODBCINI");
    static std::string none;
    if (std::strcmp(name, "ODBCSYSINI") == 0) return sysini;
    if (std::strcmp(name, "ODBCINI") == 0) return ini;
    return none;
}
const bool originals_taken = (original("ODBCSYSINI"), true);
}  // namespace

std::string environment_problems(std::initializer_list<const char*> extra) {
    (void)originals_taken;
    std::string problems;
    std::string sysini = original("ODBCSYSINI"), ini = original("ODBCINI");
    if (sysini.empty())
        problems += "ODBCSYSINI is not set\n";
    else if (!fs::exists(sysini + "/odbcinst.ini"))
        problems += "no odbcinst.ini in ODBCSYSINI=" + sysini + "\n";
    if (ini.empty())
        problems += "ODBCINI is not set\n";
    else if (!fs::exists(ini))
        problems += "ODBCINI=" + ini + " does not exist\n";
    if (env_value("ORT_ROOT").empty()) problems += "ORT_ROOT is not set\n";
    for (const char* name : extra)
        if (env_value(name).empty()) problems += std::string(name) + " is not set\n";
    return problems;
}

// ---- files and text ---------------------------------------------------------------------------

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

void replace_file(const std::string& path, const std::string& text) {
    std::string temporary = path + ".tmp" + std::to_string(getpid());
    write_file(temporary, text);
    std::rename(temporary.c_str(), path.c_str());
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
    return lines_with_all(text, {needle});
}

std::vector<std::string> lines_with_all(const std::string& text,
                                        std::initializer_list<std::string> needles) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        bool all = true;
        for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
        if (all) out.push_back(line);
    }
    return out;
}

int count_of(const std::string& text, const std::string& needle) {
    if (needle.empty()) return 0;
    int n = 0;
    for (size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + needle.size()))
        ++n;
    return n;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// ---- the private workspace --------------------------------------------------------------------

namespace {

Workspace* the_workspace = nullptr;

// Removes the workspace after the last test when everything passed; names it otherwise.
class WorkspaceCleanup : public ::testing::Environment {
  public:
    void TearDown() override {
        if (!the_workspace) return;
        if (::testing::UnitTest::GetInstance()->Passed()) return;
        the_workspace->keep();
    }
};
[[maybe_unused]] ::testing::Environment* const cleanup_env =
    ::testing::AddGlobalTestEnvironment(new WorkspaceCleanup);

// The sections of an ini file, in order, with their lines.
struct Section {
    std::string name;
    std::vector<std::string> lines;
};
std::vector<Section> sections_of(const std::string& text) {
    std::vector<Section> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::string t = line;
        while (!t.empty() && (t.back() == '\r' || t.back() == ' ')) t.pop_back();
        size_t b = t.find_first_not_of(" \t");
        if (b != std::string::npos && t[b] == '[' && t.back() == ']') {
            out.push_back({t.substr(b + 1, t.size() - b - 2), {}});
            continue;
        }
        if (!out.empty()) out.back().lines.push_back(line);
    }
    return out;
}

}  // namespace

Workspace& Workspace::get(bool pooling) {
    static Workspace* w = new Workspace(pooling);  // destroyed by the atexit handler below
    return *w;
}

Workspace::Workspace(bool pooling) {
    std::string base = env_value("TMPDIR").empty() ? "/tmp" : env_value("TMPDIR");
    std::string pattern = base + "/ort-recovery-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data())) {
        ADD_FAILURE() << "mkdtemp(" << pattern << ") failed: " << std::strerror(errno);
        dir_ = base;
        return;
    }
    dir_ = buffer.data();
    the_workspace = this;
    std::atexit([] {
        if (!the_workspace) return;
        if (the_workspace->keep_) {
            std::fprintf(stderr, "recovery test workspace kept: %s\n", the_workspace->dir_.c_str());
        } else {
            std::error_code ec;
            fs::remove_all(the_workspace->dir_, ec);
        }
    });

    // odbcinst.ini: the real drivers from the original, odbc-retry and the fake from this build.
    std::string odbcinst;
    odbcinst += "; written by tests/recovery for one test process\n[ODBC]\nTrace=No\n";
    if (pooling) odbcinst += "Pooling=Yes\n";
    odbcinst += "\n";
    for (const auto& s : sections_of(read_file(original("ODBCSYSINI") + "/odbcinst.ini"))) {
        if (s.name == "ODBC" || s.name == "ODBC Retry" || s.name == "ODBC Fake") continue;
        odbcinst += "[" + s.name + "]\n";
        for (const auto& l : s.lines) odbcinst += l + "\n";
    }
    odbcinst +=
        "\n[ODBC Retry]\nDescription=odbc-retry (this build)\nDriver=" ORT_RETRY_LIBRARY "\n";
    if (pooling) odbcinst += "CPTimeout=60\n";
    odbcinst +=
        "\n[ODBC Fake]\nDescription=scripted test driver (this build)\nDriver=" ORT_FAKE_LIBRARY
        "\n";
    write_file(path("odbcinst.ini"), odbcinst);
    write_file(path("odbc.ini"), read_file(original("ODBCINI")));
    chmod(path("odbc.ini").c_str(), 0600);
    fs::create_directories(path("state"));
    write_file(path("odbc-retry.ini"), "; empty: the tests set everything in connection strings\n");

    setenv("ODBCSYSINI", dir_.c_str(), 1);
    setenv("ODBCINI", path("odbc.ini").c_str(), 1);
    setenv("ODBC_RETRY_STATE_DIR", path("state").c_str(), 1);
    setenv("ODBC_RETRY_CONFIG", path("odbc-retry.ini").c_str(), 1);
    unsetenv("ODBC_RETRY_LOG_LEVEL");
    unsetenv("ODBC_RETRY_LOG_FILE");
    unsetenv("ODBCFAKE_LOG");
}

Workspace::~Workspace() = default;

std::string Workspace::unique(const std::string& prefix) {
    return prefix + std::to_string(getpid()) + "_" + std::to_string(++counter_);
}

// ---- ODBC ---------------------------------------------------------------------------------------

std::vector<Diag> diag_records(SQLSMALLINT type, SQLHANDLE handle) {
    std::vector<Diag> out;
    for (SQLSMALLINT i = 1; i < 50; ++i) {
        SQLCHAR state[6] = {};
        SQLINTEGER native = 0;
        std::vector<SQLCHAR> message(4096);
        SQLSMALLINT length = 0;
        SQLRETURN rc = SQLGetDiagRec(type, handle, i, state, &native, message.data(),
                                     static_cast<SQLSMALLINT>(message.size()), &length);
        if (!SQL_SUCCEEDED(rc)) break;
        out.push_back({reinterpret_cast<char*>(state), static_cast<long>(native),
                       reinterpret_cast<char*>(message.data())});
    }
    return out;
}

std::string to_string(const std::vector<Diag>& records) {
    std::string out;
    for (const auto& r : records)
        out += "\n  [" + r.state + "/" + std::to_string(r.native) + "] " + r.message;
    return out.empty() ? " (no records)" : out;
}

std::string Outcome::describe() const {
    return rc_name(rc) + to_string(diags) + " (" + std::to_string(elapsed.count()) + " ms)";
}

SQLHENV odbc_env() {
    static SQLHENV env = [] {
        Workspace::get();
        SQLHENV e = SQL_NULL_HENV;
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &e))) {
            ADD_FAILURE() << "SQLAllocHandle(ENV) failed";
            return e;
        }
        SQLSetEnvAttr(e, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
        return e;
    }();
    return env;
}

namespace {
template <class F>
Outcome timed(SQLSMALLINT type, SQLHANDLE handle, F&& call) {
    Outcome o;
    auto t0 = Clock::now();
    o.rc = call();
    o.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    if (o.rc != SQL_SUCCESS && o.rc != SQL_NO_DATA) o.diags = diag_records(type, handle);
    return o;
}
SQLCHAR* text(const std::string& s) {
    return reinterpret_cast<SQLCHAR*>(const_cast<char*>(s.c_str()));
}
}  // namespace

Connection::Connection() {
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, odbc_env(), &dbc_)))
        ADD_FAILURE() << "SQLAllocHandle(DBC) failed";
}

Connection::~Connection() {
    if (dbc_ == SQL_NULL_HDBC) return;
    if (connected_) SQLDisconnect(dbc_);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
}

Outcome Connection::connect(const std::string& cs) {
    SQLCHAR out[2048];
    SQLSMALLINT out_length = 0;
    Outcome o = timed(SQL_HANDLE_DBC, dbc_, [&] {
        return SQLDriverConnect(dbc_, nullptr, text(cs), SQL_NTS, out, sizeof out, &out_length,
                                SQL_DRIVER_NOPROMPT);
    });
    connected_ = o.ok();
    return o;
}

Outcome Connection::disconnect() {
    Outcome o = timed(SQL_HANDLE_DBC, dbc_, [&] { return SQLDisconnect(dbc_); });
    if (o.ok()) connected_ = false;
    return o;
}

Outcome Connection::set_autocommit(bool on) {
    return set_attr(SQL_ATTR_AUTOCOMMIT, on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF);
}

Outcome Connection::set_attr(SQLINTEGER attribute, SQLULEN value) {
    return timed(SQL_HANDLE_DBC, dbc_, [&] {
        return SQLSetConnectAttr(dbc_, attribute, reinterpret_cast<SQLPOINTER>(value), 0);
    });
}

std::optional<SQLULEN> Connection::get_attr(SQLINTEGER attribute) {
    SQLULEN value = 0;
    Outcome o = timed(SQL_HANDLE_DBC, dbc_, [&] {
        return SQLGetConnectAttr(dbc_, attribute, &value, sizeof value, nullptr);
    });
    if (!o.ok()) {
        ADD_FAILURE() << "SQLGetConnectAttr(" << attribute << ") -> " << o.describe();
        return std::nullopt;
    }
    return value;
}

std::optional<bool> Connection::dead() {
    SQLUINTEGER value = 12345;
    Outcome o = timed(SQL_HANDLE_DBC, dbc_, [&] {
        return SQLGetConnectAttr(dbc_, SQL_ATTR_CONNECTION_DEAD, &value, sizeof value, nullptr);
    });
    if (!o.ok()) {
        ADD_FAILURE() << "SQLGetConnectAttr(SQL_ATTR_CONNECTION_DEAD) -> " << o.describe();
        return std::nullopt;
    }
    if (value != SQL_CD_TRUE && value != SQL_CD_FALSE) {
        ADD_FAILURE() << "SQL_ATTR_CONNECTION_DEAD answered " << value;
        return std::nullopt;
    }
    return value == SQL_CD_TRUE;
}

Outcome Connection::commit() {
    return timed(SQL_HANDLE_DBC, dbc_,
                 [&] { return SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_COMMIT); });
}

Outcome Connection::rollback() {
    return timed(SQL_HANDLE_DBC, dbc_,
                 [&] { return SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK); });
}

Outcome Connection::exec(const std::string& sql) {
    Statement s(*this);
    return s.exec(sql);
}

std::vector<std::string> Connection::column(const std::string& sql) {
    Statement s(*this);
    std::vector<std::string> rows;
    Outcome o = s.query(sql, rows);
    if (!o.ok()) ADD_FAILURE() << sql << " -> " << o.describe();
    return rows;
}

std::string Connection::scalar(const std::string& sql) {
    auto rows = column(sql);
    if (rows.size() != 1) {
        ADD_FAILURE() << sql << " returned " << rows.size() << " rows";
        return "";
    }
    return rows.front();
}

Statement::Statement(Connection& c) {
    SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, c.handle(), &stmt_);
    if (!SQL_SUCCEEDED(rc))
        ADD_FAILURE() << "SQLAllocHandle(STMT) -> " << rc_name(rc)
                      << to_string(diag_records(SQL_HANDLE_DBC, c.handle()));
}

Statement::~Statement() {
    if (stmt_ != SQL_NULL_HSTMT) SQLFreeHandle(SQL_HANDLE_STMT, stmt_);
}

Outcome Statement::exec(const std::string& sql) {
    return timed(SQL_HANDLE_STMT, stmt_, [&] { return SQLExecDirect(stmt_, text(sql), SQL_NTS); });
}

Outcome Statement::prepare(const std::string& sql) {
    return timed(SQL_HANDLE_STMT, stmt_, [&] { return SQLPrepare(stmt_, text(sql), SQL_NTS); });
}

Outcome Statement::execute() {
    return timed(SQL_HANDLE_STMT, stmt_, [&] { return SQLExecute(stmt_); });
}

Outcome Statement::fetch() {
    return timed(SQL_HANDLE_STMT, stmt_, [&] { return SQLFetch(stmt_); });
}

Outcome Statement::close() {
    return timed(SQL_HANDLE_STMT, stmt_, [&] { return SQLFreeStmt(stmt_, SQL_CLOSE); });
}

Outcome Statement::set_attr(SQLINTEGER attribute, SQLULEN value) {
    return timed(SQL_HANDLE_STMT, stmt_, [&] {
        return SQLSetStmtAttr(stmt_, attribute, reinterpret_cast<SQLPOINTER>(value), 0);
    });
}

std::optional<SQLULEN> Statement::get_attr(SQLINTEGER attribute) {
    SQLULEN value = 0;
    Outcome o = timed(SQL_HANDLE_STMT, stmt_, [&] {
        return SQLGetStmtAttr(stmt_, attribute, &value, sizeof value, nullptr);
    });
    if (!o.ok()) {
        ADD_FAILURE() << "SQLGetStmtAttr(" << attribute << ") -> " << o.describe();
        return std::nullopt;
    }
    return value;
}

Outcome Statement::get_text(SQLUSMALLINT column, std::optional<std::string>& value) {
    char buffer[1024] = {};
    SQLLEN indicator = 0;
    Outcome o = timed(SQL_HANDLE_STMT, stmt_, [&] {
        return SQLGetData(stmt_, column, SQL_C_CHAR, buffer, sizeof buffer, &indicator);
    });
    if (o.ok())
        value = indicator == SQL_NULL_DATA ? std::nullopt : std::optional<std::string>(buffer);
    return o;
}

Outcome Statement::fetch_all(std::vector<std::string>& rows) {
    for (;;) {
        Outcome o = fetch();
        if (o.rc == SQL_NO_DATA) return o;
        if (!o.ok()) return o;
        std::optional<std::string> v;
        Outcome g = get_text(1, v);
        if (!g.ok()) return g;
        rows.push_back(v ? *v : "NULL");
    }
}

Outcome Statement::query(const std::string& sql, std::vector<std::string>& rows) {
    Outcome o = exec(sql);
    if (!o.ok()) return o;
    Outcome f = fetch_all(rows);
    close();
    return f;
}

// ---- processes ----------------------------------------------------------------------------------

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::seconds limit) {
    CommandResult result;
    char out_template[] = "/tmp/ort-recovery-cmd-XXXXXX";
    int out_fd = mkstemp(out_template);
    if (out_fd < 0) return result;
    unlink(out_template);
    int in_pipe[2];
    if (pipe(in_pipe) != 0) {
        close(out_fd);
        return result;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(in_pipe[0], 0);
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        close(in_pipe[0]);
        close(in_pipe[1]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(in_pipe[0]);
    if (pid < 0) {
        close(in_pipe[1]);
        close(out_fd);
        return result;
    }
    if (!input.empty()) {
        ssize_t ignored = write(in_pipe[1], input.data(), input.size());
        (void)ignored;
    }
    close(in_pipe[1]);
    auto deadline = Clock::now() + limit;
    int status = 0;
    bool finished = false;
    while (Clock::now() < deadline) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            finished = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!finished) {
        kill(-pid, SIGKILL);  // the child's own process group, started above
        waitpid(pid, &status, 0);
    }
    lseek(out_fd, 0, SEEK_SET);
    char buffer[4096];
    ssize_t n;
    while ((n = read(out_fd, buffer, sizeof buffer)) > 0)
        result.output.append(buffer, static_cast<size_t>(n));
    close(out_fd);
    result.status = finished && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (!finished) result.output += "\n(killed after " + std::to_string(limit.count()) + " s)";
    return result;
}

CommandResult run_script(const std::string& name, const std::vector<std::string>& args,
                         const std::string& input, std::chrono::seconds limit) {
    std::vector<std::string> argv{env_value("ORT_ROOT") + "/scripts/" + name};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, input, limit);
}

ServerRestorer::~ServerRestorer() {
    CommandResult r = run_script(script_, {"start"}, "", std::chrono::seconds(120));
    if (r.status != 0) ADD_FAILURE() << "scripts/" << script_ << " start failed:\n" << r.output;
}

}  // namespace ort_recovery
