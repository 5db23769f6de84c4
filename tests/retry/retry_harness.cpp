// SPDX-License-Identifier: Apache-2.0
#include "retry_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

extern char** environ;

namespace ort_retry {

// ---- environment ---------------------------------------------------------------------------

std::string env_value(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string environment_problems(std::initializer_list<const char*> extra) {
    std::string out;
    auto need = [&](const char* name) {
        if (env_value(name).empty()) out += std::string("  ") + name + " is not set\n";
    };
    need("ODBCSYSINI");
    need("ORT_ROOT");
    for (const char* name : extra) need(name);
    std::string sysini = env_value("ODBCSYSINI");
    if (!sysini.empty() && access((sysini + "/odbcinst.ini").c_str(), R_OK) != 0)
        out += "  " + sysini + "/odbcinst.ini is not readable\n";
    // ODBCINI is replaced by the workspace's copy; the original must have been there.
    Workspace& w = Workspace::get();
    if (w.original_section("pg_direct").empty() && w.original_section("sqlite_direct").empty())
        out += "  the original ODBCINI holds none of the project's DSNs (run scripts/odbc-ini)\n";
    std::string root = env_value("ORT_ROOT");
    if (!root.empty() && access((root + "/scripts/pg").c_str(), X_OK) != 0)
        out += "  ORT_ROOT=" + root + " has no scripts/pg\n";
    return out;
}

std::string password() {
    return env_value("ORT_DB_PASSWORD");
}

// ---- files and text --------------------------------------------------------------------------

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp." + std::to_string(getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
    }
    chmod(tmp.c_str(), 0600);
    std::rename(tmp.c_str(), path.c_str());
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.find(needle) != std::string::npos) out.push_back(line);
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

std::vector<std::string> retry_lines(const std::string& log) {
    return lines_with(log, "; retrying in ");
}

std::vector<std::string> give_up_lines(const std::string& log) {
    std::vector<std::string> out;
    for (auto& line : lines_with(log, " failed: "))
        if (!contains(line, "; retrying in ")) out.push_back(line);
    return out;
}

// ---- the private workspace ---------------------------------------------------------------------

namespace {

// Sections of an ini file, in order: [name] then key=value lines.
std::vector<std::pair<std::string, KeyValues>> parse_ini(const std::string& text) {
    std::vector<std::pair<std::string, KeyValues>> out;
    std::istringstream in(text);
    std::string line;
    auto trim = [](std::string s) {
        size_t a = s.find_first_not_of(" \t\r");
        size_t b = s.find_last_not_of(" \t\r");
        return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == ';' || line[0] == '#') continue;
        if (line.front() == '[' && line.back() == ']') {
            out.push_back({line.substr(1, line.size() - 2), {}});
            continue;
        }
        size_t eq = line.find('=');
        if (eq == std::string::npos || out.empty()) continue;
        out.back().second.push_back({trim(line.substr(0, eq)), trim(line.substr(eq + 1))});
    }
    return out;
}

Workspace* g_workspace = nullptr;

}  // namespace

Workspace& Workspace::get() {
    static Workspace* w = new Workspace();  // lives to the end: main() removes the directory
    g_workspace = w;
    return *w;
}

Workspace::Workspace() {
    std::string base = env_value("TMPDIR");
    if (base.empty()) base = "/tmp";
    std::string templ = base + "/ort-retry-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) {
        std::perror("mkdtemp");
        std::abort();
    }
    dir_ = buf.data();
    std::string original = env_value("ODBCINI");
    if (!original.empty()) original_ini_text_ = read_file(original);
    state_dir_ = dir_ + "/state";
    mkdir(state_dir_.c_str(), 0700);
    setenv("ODBC_RETRY_STATE_DIR", state_dir_.c_str(), 1);
    std::string global = dir_ + "/odbc-retry.ini";
    write_file(global, "; empty: the tests' settings are all in odbc.ini\n");
    setenv("ODBC_RETRY_CONFIG", global.c_str(), 1);
    unsetenv("ODBC_RETRY_LOG_LEVEL");
    unsetenv("ODBC_RETRY_LOG_FILE");
    ini_path_ = dir_ + "/odbc.ini";
    rewrite();
    setenv("ODBCINI", ini_path_.c_str(), 1);
}

Workspace::~Workspace() = default;

KeyValues Workspace::original_section(const std::string& dsn) const {
    for (auto& [name, keys] : parse_ini(original_ini_text_))
        if (name == dsn) return keys;
    return {};
}

void Workspace::add_dsn(const std::string& name, const KeyValues& keys) {
    for (auto& [n, k] : added_)
        if (n == name) {
            k = keys;
            rewrite();
            return;
        }
    added_.push_back({name, keys});
    rewrite();
}

void Workspace::clone_dsn(const std::string& name, const std::string& from,
                          const KeyValues& overrides) {
    KeyValues keys = original_section(from);
    for (auto& [k, v] : overrides) {
        bool replaced = false;
        for (auto& [k2, v2] : keys)
            if (strcasecmp(k2.c_str(), k.c_str()) == 0) v2 = v, replaced = true;
        if (!replaced) keys.push_back({k, v});
    }
    add_dsn(name, keys);
}

std::string Workspace::unique(const std::string& prefix) {
    return prefix + std::to_string(getpid()) + "_" + std::to_string(++counter_);
}

void Workspace::rewrite() {
    std::string text = original_ini_text_;
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += "\n; ---- added by the retry integration test (pid " + std::to_string(getpid()) +
            ") ----\n";
    for (auto& [name, keys] : added_) {
        text += "[" + name + "]\n";
        for (auto& [k, v] : keys) text += k + "=" + v + "\n";
        text += "\n";
    }
    write_file(ini_path_, text);
}

// Called by main() at the end.
void finish_workspace(bool passed) {
    if (!g_workspace) return;
    if (passed) {
        std::error_code ec;
        std::filesystem::remove_all(g_workspace->dir(), ec);
    } else {
        std::cerr << "retry tests: the workspace (odbc.ini, logs) is kept in " << g_workspace->dir()
                  << "\n";
    }
}

KeyValues log_keys(const std::string& log, const std::string& level) {
    return {{"LogLevel", level}, {"LogFile", log}};
}

// ---- ODBC ------------------------------------------------------------------------------------

std::string to_string(const std::vector<Diag>& records) {
    if (records.empty()) return "(no diagnostic records)";
    std::string out;
    for (auto& r : records)
        out += "  " + r.state + " / " + std::to_string(r.native) + " / " + r.message + "\n";
    return out;
}

std::vector<Diag> diag_records(SQLSMALLINT type, SQLHANDLE handle) {
    std::vector<Diag> out;
    for (SQLSMALLINT i = 1; i < 50; ++i) {
        SQLCHAR state[8] = {};
        SQLINTEGER native = 0;
        std::vector<SQLCHAR> message(8192);
        SQLSMALLINT length = 0;
        SQLRETURN rc = SQLGetDiagRec(type, handle, i, state, &native, message.data(),
                                     static_cast<SQLSMALLINT>(message.size()), &length);
        if (!SQL_SUCCEEDED(rc)) break;
        out.push_back(Diag{reinterpret_cast<char*>(state), static_cast<long>(native),
                           reinterpret_cast<char*>(message.data())});
    }
    return out;
}

SQLHENV odbc_env() {
    static SQLHENV env = [] {
        SQLHENV h = SQL_NULL_HENV;
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &h))) std::abort();
        SQLSetEnvAttr(h, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
        return h;
    }();
    return env;
}

Connection::Connection() {
    // The private odbc.ini is in place before the first driver manager call (a helper process
    // started by run_self uses its parent's).
    if (env_value("ORT_RETRY_CHILD").empty()) Workspace::get();
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, odbc_env(), &dbc_))) dbc_ = SQL_NULL_HDBC;
}

Connection::~Connection() {
    if (dbc_ == SQL_NULL_HDBC) return;
    disconnect();
    SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
}

void Connection::set_attr(SQLINTEGER attribute, SQLULEN value) {
    SQLSetConnectAttr(dbc_, attribute, reinterpret_cast<SQLPOINTER>(value), 0);
}

ConnectResult Connection::connect(const std::string& connection_string) {
    ConnectResult r;
    std::vector<SQLCHAR> out(4096);
    SQLSMALLINT out_length = 0;
    auto t0 = Clock::now();
    r.rc = SQLDriverConnect(
        dbc_, nullptr, reinterpret_cast<SQLCHAR*>(const_cast<char*>(connection_string.c_str())),
        SQL_NTS, out.data(), static_cast<SQLSMALLINT>(out.size()), &out_length,
        SQL_DRIVER_NOPROMPT);
    r.elapsed = since(t0);
    if (r.rc != SQL_SUCCESS) r.diags = diag_records(SQL_HANDLE_DBC, dbc_);
    if (SQL_SUCCEEDED(r.rc)) {
        connected_ = true;
        r.out = reinterpret_cast<char*>(out.data());
    }
    return r;
}

void Connection::disconnect() {
    if (!connected_) return;
    SQLDisconnect(dbc_);
    connected_ = false;
}

ExecResult Connection::exec(const std::string& sql, std::optional<SQLULEN> query_timeout) {
    ExecResult r;
    SQLHSTMT stmt = SQL_NULL_HSTMT;
    SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt);
    if (!SQL_SUCCEEDED(rc)) {
        r.rc = rc;
        r.diags = diag_records(SQL_HANDLE_DBC, dbc_);
        return r;
    }
    if (query_timeout)
        SQLSetStmtAttr(stmt, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(*query_timeout),
                       0);
    auto t0 = Clock::now();
    r.rc = SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    r.elapsed = since(t0);
    if (r.rc != SQL_SUCCESS) r.diags = diag_records(SQL_HANDLE_STMT, stmt);
    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    return r;
}

ExecResult Connection::query(const std::string& sql, std::optional<SQLULEN> query_timeout) {
    ExecResult r;
    SQLHSTMT stmt = SQL_NULL_HSTMT;
    SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt);
    if (!SQL_SUCCEEDED(rc)) {
        r.rc = rc;
        r.diags = diag_records(SQL_HANDLE_DBC, dbc_);
        return r;
    }
    if (query_timeout)
        SQLSetStmtAttr(stmt, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(*query_timeout),
                       0);
    auto t0 = Clock::now();
    r.rc = SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    while (SQL_SUCCEEDED(r.rc)) {
        while (SQL_SUCCEEDED(r.rc = SQLFetch(stmt))) {
        }
        if (r.rc != SQL_NO_DATA) break;
        r.rc = SQLMoreResults(stmt);
    }
    r.elapsed = since(t0);
    if (r.rc == SQL_NO_DATA) r.rc = SQL_SUCCESS;
    if (r.rc != SQL_SUCCESS) r.diags = diag_records(SQL_HANDLE_STMT, stmt);
    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    return r;
}

std::vector<std::string> Connection::column(const std::string& sql) {
    std::vector<std::string> out;
    SQLHSTMT stmt = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt))) {
        ADD_FAILURE() << "SQLAllocHandle(STMT) failed:\n"
                      << to_string(diag_records(SQL_HANDLE_DBC, dbc_));
        return out;
    }
    SQLRETURN rc =
        SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    if (!SQL_SUCCEEDED(rc)) {
        ADD_FAILURE() << sql << " -> " << rc_name(rc) << "\n"
                      << to_string(diag_records(SQL_HANDLE_STMT, stmt));
        SQLFreeHandle(SQL_HANDLE_STMT, stmt);
        return out;
    }
    while (SQL_SUCCEEDED(rc = SQLFetch(stmt))) {
        char buf[4096] = {};
        SQLLEN ind = 0;
        SQLGetData(stmt, 1, SQL_C_CHAR, buf, sizeof buf, &ind);
        out.push_back(ind == SQL_NULL_DATA ? "NULL" : std::string(buf));
    }
    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    return out;
}

std::string Connection::scalar(const std::string& sql) {
    auto values = column(sql);
    return values.empty() ? std::string("(no row)") : values.front();
}

SQLRETURN Connection::set_autocommit(bool on) {
    return SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT,
                             reinterpret_cast<SQLPOINTER>(
                                 static_cast<SQLULEN>(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF)),
                             0);
}

ExecResult Connection::end_tran(bool commit) {
    ExecResult r;
    auto t0 = Clock::now();
    r.rc = SQLEndTran(SQL_HANDLE_DBC, dbc_, commit ? SQL_COMMIT : SQL_ROLLBACK);
    r.elapsed = since(t0);
    if (r.rc != SQL_SUCCESS) r.diags = diag_records(SQL_HANDLE_DBC, dbc_);
    return r;
}

// ---- processes ---------------------------------------------------------------------------------

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::seconds limit, const std::vector<std::string>& extra_env) {
    CommandResult result;
    int in_pipe[2], out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0) return result;
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        close(in_pipe[0]);
        close(in_pipe[1]);
        return result;
    }
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    for (auto& extra : extra_env) {
        std::string key = extra.substr(0, extra.find('=') + 1);
        std::erase_if(env_strings, [&](const std::string& s) { return s.rfind(key, 0) == 0; });
        env_strings.push_back(extra);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);

    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(out_pipe[1], 2);
        execvpe(cargs[0], cargs.data(), envp.data());
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (pid < 0) {
        close(in_pipe[1]);
        close(out_pipe[0]);
        return result;
    }
    // Small inputs only (SQL scripts): they fit the pipe.
    if (!input.empty()) {
        ssize_t ignored = write(in_pipe[1], input.data(), input.size());
        (void)ignored;
    }
    close(in_pipe[1]);
    auto deadline = Clock::now() + limit;
    bool killed = false;
    for (;;) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            kill(-pid, SIGKILL);
            killed = true;
            break;
        }
        pollfd p{out_pipe[0], POLLIN, 0};
        int n = poll(&p, 1, static_cast<int>(std::min<long long>(left, 200)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;
        char buf[4096];
        ssize_t got = read(out_pipe[0], buf, sizeof buf);
        if (got <= 0) break;
        result.output.append(buf, static_cast<size_t>(got));
    }
    close(out_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (killed) {
        result.output += "\n(killed after " + std::to_string(limit.count()) + " s)";
        result.status = -1;
    } else {
        result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return result;
}

CommandResult run_script(const std::string& name, const std::vector<std::string>& args,
                         const std::string& input) {
    std::vector<std::string> argv{"bash", env_value("ORT_ROOT") + "/scripts/" + name};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, input);
}

std::string pg_admin(const std::string& sql) {
    CommandResult r = run_script("pg", {"psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"}, sql);
    EXPECT_EQ(r.status, 0) << "scripts/pg psql failed on:\n" << sql << "\n" << r.output;
    return r.output;
}

std::string maria_admin(const std::string& sql) {
    CommandResult r = run_script("mariadb", {"sql", "-N", "-B"}, sql);
    EXPECT_EQ(r.status, 0) << "scripts/mariadb sql failed on:\n" << sql << "\n" << r.output;
    return r.output;
}

std::string sql_literal(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\\')
            ADD_FAILURE() << "sql_literal: backslashes are quoted differently by the servers";
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

CommandResult run_self(const std::vector<std::string>& args,
                       const std::vector<std::string>& extra_env, std::chrono::seconds limit) {
    char self[4096] = {};
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return {};
    std::vector<std::string> argv{std::string(self, static_cast<size_t>(n))};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, "", limit, extra_env);
}

ServerRestorer::~ServerRestorer() {
    CommandResult r = run_script(script_, {"start"});
    if (r.status != 0)
        ADD_FAILURE() << "scripts/" << script_ << " start failed (the server stays down!):\n"
                      << r.output;
}

// ---- network ---------------------------------------------------------------------------------

namespace {

int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 64) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int port_of(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

}  // namespace

int free_port() {
    int fd = listen_on(0);
    if (fd < 0) return 0;
    int port = port_of(fd);
    close(fd);
    return port;
}

SilentListener::SilentListener() {
    fd_ = listen_on(0);
    if (fd_ < 0) return;
    port_ = port_of(fd_);
    thread_ = std::thread([this] {
        while (!stop_.load()) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            clients_.push_back(c);  // held open, never answered
            accepted_.fetch_add(1);
        }
    });
}

SilentListener::~SilentListener() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    for (int c : clients_) close(c);
    if (fd_ >= 0) close(fd_);
}

TcpProxy::TcpProxy(int listen_port, int target_port) : target_port_(target_port) {
    fd_ = listen_on(listen_port);
    if (fd_ < 0) return;
    thread_ = std::thread([this] {
        while (!stop_.load()) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            accepted_.fetch_add(1);
            workers_.emplace_back([this, c] { serve(c); });
        }
    });
}

void TcpProxy::serve(int client) {
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        if (server >= 0) close(server);
        close(client);
        return;
    }
    char buf[16384];
    while (!stop_.load()) {
        pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
        int n = poll(p, 2, 50);
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        bool done = false;
        for (int i = 0; i < 2 && !done; ++i) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = read(p[i].fd, buf, sizeof buf);
            if (got <= 0) {
                done = true;
                break;
            }
            int to = i == 0 ? server : client;
            for (ssize_t sent = 0; sent < got;) {
                ssize_t w = write(to, buf + sent, static_cast<size_t>(got - sent));
                if (w <= 0) {
                    done = true;
                    break;
                }
                sent += w;
            }
        }
        if (done) break;
    }
    close(server);
    close(client);
}

TcpProxy::~TcpProxy() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    for (auto& w : workers_)
        if (w.joinable()) w.join();
    if (fd_ >= 0) close(fd_);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    auto deadline = Clock::now() + limit;
    for (;;) {
        if (condition()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace ort_retry
