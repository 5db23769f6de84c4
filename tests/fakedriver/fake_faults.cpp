// SPDX-License-Identifier: Apache-2.0
#include "fake_faults.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace odbcfake {
namespace {

[[noreturn]] void badValue(std::string_view what, std::string_view text, std::string_view hint) {
    fail("HY000", 0,
         "[Fake]bad value for " + std::string(what) + ": '" + std::string(text) + "' (" +
             std::string(hint) + ")");
}

long nonNegative(std::string_view text, std::string_view what) {
    long long v = parseInteger(text, what);
    if (v < 0) badValue(what, text, "expected a number >= 0");
    return static_cast<long>(v);
}

// Closes a file descriptor (and so drops its flock) on every path out.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

std::string readAll(int fd, const std::string& path) {
    std::string content;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            fail("HY000", 0,
                 "[Fake]cannot read control file " + path + ": " + std::strerror(errno));
        if (n == 0) break;
        content.append(buffer, static_cast<size_t>(n));
    }
    return content;
}

void lockFile(int fd, int operation) {
    while (::flock(fd, operation) != 0) {
        if (errno != EINTR) fail("HY000", 0, std::string("[Fake]flock: ") + std::strerror(errno));
    }
}

std::vector<std::string> splitLines(const std::string& content) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < content.size()) {
        size_t end = content.find('\n', start);
        if (end == std::string::npos) end = content.size();
        lines.push_back(content.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// Splits "key=value" (trimmed); false for blank lines and comments.
bool splitLine(const std::string& line, std::string& key, std::string& value) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') return false;
    size_t eq = t.find('=');
    key = lower(trim(t.substr(0, eq)));
    value = eq == std::string::npos ? "" : trim(t.substr(eq + 1));
    return true;
}

}  // namespace

ErrorRecord parseErrorRecord(std::string_view text, std::string_view what) {
    size_t c1 = text.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : text.find(':', c1 + 1);
    if (c2 == std::string_view::npos) badValue(what, text, "expected SQLSTATE:native:message");
    ErrorRecord r;
    r.sqlstate = trim(text.substr(0, c1));
    if (r.sqlstate.size() != 5) badValue(what, text, "the SQLSTATE must have 5 characters");
    r.native = static_cast<long>(parseInteger(text.substr(c1 + 1, c2 - c1 - 1), what));
    r.message = std::string(text.substr(c2 + 1));
    return r;
}

CountedError parseCountedError(std::string_view text, std::string_view what) {
    size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
        badValue(what, text, "expected N:SQLSTATE:native:message");
    }
    CountedError e;
    e.count = nonNegative(text.substr(0, colon), what);
    e.record = parseErrorRecord(text.substr(colon + 1), what);
    return e;
}

LoseSpec parseLoseSpec(std::string_view text) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t colon = text.find(':', start);
        parts.push_back(lower(trim(text.substr(start, colon - start))));
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    auto number = [&](size_t i, long fallback) {
        if (i >= parts.size()) return fallback;
        long v = nonNegative(parts[i], "LoseAt");
        if (v == 0) badValue("LoseAt", text, "counts start at 1");
        return v;
    };
    LoseSpec spec;
    const std::string& what = parts[0];
    const std::string when = parts.size() > 1 ? parts[1] : "";
    size_t maxParts = 0;
    if (what == "prepare") {
        spec.point = LoseSpec::Point::Prepare;
        spec.nth = number(1, 1);
        maxParts = 2;
    } else if ((what == "execute" || what == "commit") && (when == "before" || when == "after")) {
        bool before = when == "before";
        if (what == "execute") {
            spec.point = before ? LoseSpec::Point::ExecuteBefore : LoseSpec::Point::ExecuteAfter;
        } else {
            spec.point = before ? LoseSpec::Point::CommitBefore : LoseSpec::Point::CommitAfter;
        }
        spec.nth = number(2, 1);
        maxParts = 3;
    } else if (what == "fetch" && parts.size() >= 2) {
        spec.point = LoseSpec::Point::Fetch;
        spec.row = number(1, 1);
        spec.nth = number(2, 1);
        maxParts = 3;
    } else if (what == "describe") {
        spec.point = LoseSpec::Point::Describe;
        spec.nth = number(1, 1);
        maxParts = 2;
    } else if (what == "after" && parts.size() >= 2) {
        spec.point = LoseSpec::Point::AfterStatements;
        spec.nth = number(1, 1);
        maxParts = 2;
    } else {
        badValue("LoseAt", text,
                 "expected prepare[:N], execute:before[:N], execute:after[:N], fetch:ROW[:N], "
                 "describe[:N], commit:before[:N], commit:after[:N] or after:N");
    }
    if (parts.size() > maxParts) badValue("LoseAt", text, "too many fields");
    return spec;
}

FaultConfig FaultConfig::fromKeys(const KeyValues& keys) {
    FaultConfig f;
    if (const char* env = std::getenv("ODBCFAKE_LOG"); env != nullptr && *env != '\0') {
        f.logPath = env;
    }
    for (const auto& [key, value] : keys) {
        std::string k = lower(key);
        if (k == "database") {
            if (!value.empty()) f.database = value;
        } else if (k == "fakecontrol") {
            f.controlPath = value;
        } else if (k == "fakelog") {
            if (!value.empty()) f.logPath = value;
        } else if (k == "failconnect") {
            f.failConnect = parseCountedError(value, key);
            f.failConnectText = value;
        } else if (k == "connectdelayms") {
            f.connectDelayMs = nonNegative(value, key);
        } else if (k == "executedelayms") {
            f.executeDelayMs = nonNegative(value, key);
        } else if (k == "cancelholdms") {
            f.cancelHoldMs = nonNegative(value, key);
        } else if (k == "loseat") {
            f.loseAt = parseLoseSpec(value);
            f.loseAtText = value;
        } else if (k == "losetimes") {
            f.loseTimes = nonNegative(value, key);
        } else if (k == "loserecord") {
            f.loseRecord = parseErrorRecord(value, key);
        } else if (k == "lostrecord") {
            f.lostRecord = parseErrorRecord(value, key);
        } else if (k == "deadlockon") {
            f.deadlockOn = nonNegative(value, key);
        } else if (k == "failexecute") {
            f.failExecute = parseCountedError(value, key);
            f.failExecuteText = value;
        } else if (k == "faultmatch") {
            f.faultMatch = value;
        } else if (k == "deadcheck") {
            if (iequals(value, "active")) {
                f.activeDeadCheck = true;
            } else if (iequals(value, "passive")) {
                f.activeDeadCheck = false;
            } else {
                badValue(key, value, "expected active or passive");
            }
        }
        // Every other key (DSN, UID, PWD, odbc-retry's own, ...) is accepted and ignored.
    }
    return f;
}

bool takeShot(const std::string& key, long limit) {
    static std::mutex mutex;
    static std::map<std::string, long> used;
    std::lock_guard lock(mutex);
    long& n = used[key];
    if (limit != 0 && n >= limit) return false;
    ++n;
    return true;
}

ControlState readControl(const std::string& path) {
    ControlState state;
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return state;
        fail("HY000", 0, "[Fake]cannot open control file " + path + ": " + std::strerror(errno));
    }
    lockFile(fd.get(), LOCK_SH);
    std::vector<std::string> lines = splitLines(readAll(fd.get(), path));
    state.present = true;
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string key, value;
        if (!splitLine(lines[i], key, value)) continue;
        std::string where = "control file " + path + " line " + std::to_string(i + 1) + " " + key;
        if (key == "epoch") {
            state.epoch = nonNegative(value, where);
        } else if (key == "down") {
            state.down = nonNegative(value, where) != 0;
        } else if (key == "fail_connect") {
            state.failConnect = parseCountedError(value, where);
        } else if (key == "connect_delay_ms") {
            state.connectDelayMs = nonNegative(value, where);
        } else if (key == "execute_delay_ms") {
            state.executeDelayMs = nonNegative(value, where);
        } else if (key == "deadlock") {
            state.deadlock = nonNegative(value, where);
        } else if (key == "fail_execute") {
            state.failExecute = parseCountedError(value, where);
        } else if (key == "fail_alloc_stmt") {
            state.failAllocStmt = parseCountedError(value, where);
        } else if (key == "match") {
            state.match = value;
        } else {
            fail("HY000", 0,
                 "[Fake]control file " + path + " line " + std::to_string(i + 1) +
                     ": unknown key '" + key + "'");
        }
    }
    return state;
}

std::optional<std::string> consumeControl(const std::string& path, std::string_view key) {
    FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        fail("HY000", 0, "[Fake]cannot open control file " + path + ": " + std::strerror(errno));
    }
    lockFile(fd.get(), LOCK_EX);
    std::string content = readAll(fd.get(), path);
    std::vector<std::string> lines = splitLines(content);
    for (std::string& line : lines) {
        std::string k, value;
        if (!splitLine(line, k, value) || k != key) continue;
        size_t colon = value.find(':');
        long count = nonNegative(value.substr(0, colon), "control file " + path + " " + k);
        if (count == 0) return std::nullopt;
        std::string rest = colon == std::string::npos ? "" : value.substr(colon);
        line = k + "=" + std::to_string(count - 1) + rest;
        std::string rewritten;
        for (const std::string& l : lines) rewritten += l + "\n";
        if (::ftruncate(fd.get(), 0) != 0 ||
            ::pwrite(fd.get(), rewritten.data(), rewritten.size(), 0) !=
                static_cast<ssize_t>(rewritten.size())) {
            fail("HY000", 0,
                 "[Fake]cannot update control file " + path + ": " + std::strerror(errno));
        }
        return value;
    }
    return std::nullopt;
}

}  // namespace odbcfake
