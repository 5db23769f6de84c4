// SPDX-License-Identifier: Apache-2.0
#include "shim/config/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace odbcretry {

namespace {
std::mutex log_mutex;
std::shared_ptr<spdlog::logger>& current() {
    static auto* logger = new std::shared_ptr<spdlog::logger>(std::make_shared<spdlog::logger>(
        "odbc-retry", std::make_shared<spdlog::sinks::null_sink_mt>()));
    return *logger;
}
std::string configured_key;  // level + file the logger was built for

// The log file: created 0600 (it may name servers, users and failures of the application),
// appended with one write(2) per line so that processes sharing it do not mix lines, and never
// through a symlink (an attacker's link in /tmp must not make us write to their target). Paths
// under /dev (a terminal, /dev/stderr) may be links, as the system made them.
class LogFileSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit LogFileSink(const std::string& path) {
        int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
        if (path.rfind("/dev/", 0) != 0) flags |= O_NOFOLLOW;
        fd_ = ::open(path.c_str(), flags, 0600);
        if (fd_ < 0)
            throw spdlog::spdlog_ex(
                "cannot open log file " + path + ": " +
                (errno == ELOOP ? "it is a symbolic link" : std::strerror(errno)));
    }
    ~LogFileSink() override {
        if (fd_ >= 0) ::close(fd_);
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t line;
        formatter_->format(msg, line);
        const char* p = line.data();
        size_t left = line.size();
        while (left > 0) {
            ssize_t n = ::write(fd_, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;  // a full disk loses log lines, never the application's call
            p += n;
            left -= static_cast<size_t>(n);
        }
    }
    void flush_() override {}

  private:
    int fd_ = -1;
};

spdlog::level::level_enum level_of(const std::string& name) {
    if (name == "trace") return spdlog::level::trace;
    if (name == "debug") return spdlog::level::debug;
    if (name == "info") return spdlog::level::info;
    if (name == "warn") return spdlog::level::warn;
    if (name == "error") return spdlog::level::err;
    return spdlog::level::off;
}
}  // namespace

LogSink log_sink_of(std::string_view log_file) {
    if (log_file.empty() || log_file == "syslog") return LogSink::Syslog;
    if (log_file == "stderr") return LogSink::Stderr;
    if (log_file == "none") return LogSink::None;
    return LogSink::File;
}

spdlog::logger& logger() {
    return *std::atomic_load(&current());
}

void configure_logging(const ResolvedConfig& config) {
    const Settings& s = config.settings;
    std::string key = s.log_level + "|" + s.log_file;
    std::lock_guard lock(log_mutex);
    if (key == configured_key) return;
    std::shared_ptr<spdlog::sinks::sink> sink;
    std::string sink_error;
    // A library must not write into its host's output (CGI pages, cron mail, pipelines): the
    // default sink is syslog (the journal), standard error only when asked for by name.
    auto syslog_sink = [] {
        return std::make_shared<spdlog::sinks::syslog_sink_mt>("odbc-retry", LOG_PID, LOG_USER,
                                                               false);
    };
    const LogSink where = log_sink_of(s.log_file);
    try {
        if (s.log_level == "off" || where == LogSink::None)
            sink = std::make_shared<spdlog::sinks::null_sink_mt>();
        else if (where == LogSink::Syslog)
            sink = syslog_sink();
        else if (where == LogSink::Stderr)
            sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        else
            sink = std::make_shared<LogFileSink>(s.log_file);
    } catch (const std::exception& e) {
        // an unwritable file or a symlink: the lines go to syslog instead, after saying why
        sink = syslog_sink();
        sink_error = e.what();
    }
    auto logger = std::make_shared<spdlog::logger>("odbc-retry", sink);
    logger->set_level(level_of(s.log_level));
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l odbc-retry[%P:%t] %v");
    logger->flush_on(spdlog::level::trace);
    if (!sink_error.empty()) logger->warn("{}; logging to syslog", sink_error);
    std::atomic_store(&current(), logger);
    configured_key = key;
}

std::string describe_target(const Settings& s) {
    return s.target_dsn.empty() ? "driver " + s.target_driver : "DSN " + s.target_dsn;
}

void log_connected(const ResolvedConfig& config, const std::string& dsn) {
    auto& log = logger();
    if (!log.should_log(spdlog::level::info)) return;
    log.info("connected dsn={} target={}", dsn.empty() ? "(none)" : dsn,
             describe_target(config.settings));
}

}  // namespace odbcretry
