// SPDX-License-Identifier: Apache-2.0
#include "tools/ini_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "tools/cli.h"

namespace odbcretry::tool {

namespace {

std::string_view strip(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool is_comment(std::string_view line) {
    line = strip(line);
    return !line.empty() && (line.front() == ';' || line.front() == '#');
}

// "[name]" -> name.
std::optional<std::string> header_name(std::string_view line) {
    line = strip(line);
    if (line.size() < 2 || line.front() != '[' || line.back() != ']') return std::nullopt;
    return std::string(strip(line.substr(1, line.size() - 2)));
}

struct KeyLine {
    std::string key;
    std::string value;
    std::size_t value_start;  // offset of the value in the line
};

std::optional<KeyLine> key_line(std::string_view line) {
    if (is_comment(line) || header_name(line)) return std::nullopt;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = strip(line.substr(0, eq));
    if (key.empty()) return std::nullopt;
    std::size_t start = eq + 1;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    return KeyLine{std::string(key), std::string(strip(line.substr(start))), start};
}

std::string errno_text() {
    return std::strerror(errno);
}

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// Gives `fd` the owner (when allowed) and mode of `st`.
bool copy_owner_and_mode(int fd, const struct stat& st) {
    if ((st.st_uid != ::geteuid() || st.st_gid != ::getegid()) &&
        ::fchown(fd, st.st_uid, st.st_gid) != 0 && ::geteuid() == 0)
        return false;
    return ::fchmod(fd, st.st_mode & 07777) == 0;
}

}  // namespace

IniText IniText::parse(std::string text) {
    IniText ini;
    if (text.find("\r\n") != std::string::npos) ini.newline_ = "\r\n";
    ini.final_newline_ = text.empty() || text.back() == '\n';
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        ini.lines_.push_back(std::move(line));
        start = end + 1;
    }
    ini.text_ = std::move(text);
    return ini;
}

std::optional<IniText> IniText::load(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read " + path + ": " + errno_text();
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str());
}

void IniText::rebuild() const {
    text_.clear();
    for (std::size_t i = 0; i < lines_.size(); ++i) {
        text_ += lines_[i];
        if (i + 1 < lines_.size() || final_newline_) text_ += newline_;
    }
}

const std::string& IniText::text() const {
    return text_;
}

std::vector<std::string> IniText::sections() const {
    std::vector<std::string> out;
    for (const auto& line : lines_)
        if (auto name = header_name(line)) out.push_back(*name);
    return out;
}

std::optional<std::size_t> IniText::header_of(const std::string& section) const {
    for (std::size_t i = 0; i < lines_.size(); ++i)
        if (auto name = header_name(lines_[i]); name && iequals(*name, section)) return i;
    return std::nullopt;
}

std::size_t IniText::end_of(std::size_t header) const {
    std::size_t i = header + 1;
    while (i < lines_.size() && !header_name(lines_[i])) ++i;
    return i;
}

bool IniText::has_section(const std::string& name) const {
    return header_of(name).has_value();
}

std::optional<std::vector<KeyValue>> IniText::keys(const std::string& section) const {
    auto header = header_of(section);
    if (!header) return std::nullopt;
    std::vector<KeyValue> out;
    for (std::size_t i = *header + 1; i < end_of(*header); ++i)
        if (auto kv = key_line(lines_[i])) out.push_back({kv->key, kv->value});
    return out;
}

bool IniText::rename_section(const std::string& from, const std::string& to) {
    auto header = header_of(from);
    if (!header) return false;
    lines_[*header] = "[" + to + "]";
    rebuild();
    return true;
}

void IniText::insert_section(const std::string& name, const std::vector<KeyValue>& keys,
                             const std::string& before) {
    std::vector<std::string> block;
    block.push_back("[" + name + "]");
    for (const auto& kv : keys) block.push_back(kv.key + "=" + kv.value);
    std::size_t at = lines_.size();
    if (auto header = before.empty() ? std::nullopt : header_of(before)) {
        // Right above the header: comments above it stay where they are (above the name they
        // described, which the new section now has).
        at = *header;
        block.push_back("");
    } else {
        if (!lines_.empty() && !strip(lines_.back()).empty()) block.insert(block.begin(), "");
        if (lines_.empty() || !final_newline_) final_newline_ = true;
    }
    lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(at), block.begin(), block.end());
    rebuild();
}

bool IniText::remove_section(const std::string& name) {
    auto header = header_of(name);
    if (!header) return false;
    std::size_t end = end_of(*header);
    if (end < lines_.size())  // keep the comments that introduce the next section
        while (end > *header + 1 && is_comment(lines_[end - 1])) --end;
    const std::size_t begin = *header;
    lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(begin),
                 lines_.begin() + static_cast<std::ptrdiff_t>(end));
    // No double blank line (or trailing blank line) left where the section was.
    if (begin > 0 && strip(lines_[begin - 1]).empty() &&
        (begin == lines_.size() || strip(lines_[begin]).empty()))
        lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(begin - 1));
    rebuild();
    return true;
}

bool IniText::set_key(const std::string& section, const std::string& key,
                      const std::string& value) {
    auto header = header_of(section);
    if (!header) return false;
    std::size_t end = end_of(*header);
    std::size_t last_key = *header;
    for (std::size_t i = *header + 1; i < end; ++i) {
        auto kv = key_line(lines_[i]);
        if (!kv) continue;
        last_key = i;
        if (iequals(kv->key, key)) {
            lines_[i] = lines_[i].substr(0, kv->value_start) + value;
            rebuild();
            return true;
        }
    }
    lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(last_key + 1), key + "=" + value);
    rebuild();
    return true;
}

bool IniText::remove_key(const std::string& section, const std::string& key) {
    auto header = header_of(section);
    if (!header) return false;
    for (std::size_t i = *header + 1; i < end_of(*header); ++i)
        if (auto kv = key_line(lines_[i]); kv && iequals(kv->key, key)) {
            lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(i));
            rebuild();
            return true;
        }
    return false;
}

bool IniText::save(const std::string& given_path, std::string& error) const {
    // A symbolic link stays one: the file it points at is replaced.
    std::string path = given_path;
    if (char* real = ::realpath(given_path.c_str(), nullptr)) {
        path = real;
        std::free(real);
    }
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    std::string tmp = path + ".odbc-retry-new-" + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + tmp + ": " + errno_text();
        return false;
    }
    bool ok = write_all(fd, text_) && (!exists || copy_owner_and_mode(fd, st)) && ::fsync(fd) == 0;
    if (!ok) error = "cannot write " + tmp + ": " + errno_text();
    ::close(fd);
    if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
        error = "cannot replace " + path + ": " + errno_text();
        ok = false;
    }
    if (!ok) ::unlink(tmp.c_str());
    return ok;
}

bool back_up(const std::string& path, std::string& backup, std::string& error) {
    backup.clear();
    int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        if (errno == ENOENT) return true;  // nothing to back up yet
        error = "cannot read " + path + ": " + errno_text();
        return false;
    }
    struct stat st {};
    ::fstat(in, &st);
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    int out = -1;
    for (int n = 0; n < 1000 && out < 0; ++n) {
        backup = path + ".odbc-retry-" + stamp + (n ? "." + std::to_string(n) : "") + ".bak";
        // Created unreadable by others, then given the original's owner and mode.
        out = ::open(backup.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0 && errno != EEXIST) break;
    }
    if (out < 0) {
        error = "cannot create the backup " + backup + ": " + errno_text();
        ::close(in);
        backup.clear();
        return false;
    }
    bool ok = true;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        if (!write_all(out, std::string(buffer, static_cast<std::size_t>(n)))) {
            ok = false;
            break;
        }
    }
    ok = ok && copy_owner_and_mode(out, st) && ::fsync(out) == 0;
    ::close(in);
    ::close(out);
    if (!ok) {
        error = "cannot write the backup " + backup + ": " + errno_text();
        ::unlink(backup.c_str());
        backup.clear();
    }
    return ok;
}

}  // namespace odbcretry::tool
