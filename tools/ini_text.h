// SPDX-License-Identifier: Apache-2.0
// An ini file (odbc.ini, odbcinst.ini) edited as text: every line that is not changed stays
// byte for byte as it was (comments, blank lines, spacing, the order of sections and keys), so
// that a diff of the file shows only the sections that wrap and unwrap change. The odbcinst API
// (SQLWritePrivateProfileString) rewrites the whole file and drops its comments; this does not.
//
// Syntax as unixODBC reads it: "[name]" starts a section, "key = value" is a key, lines starting
// with ';' or '#' are comments. Section and key names compare case-insensitively.
//
// Writing: save() writes the new text to a temporary file in the same directory with the owner
// and mode of the original, and renames it over the original (atomic: a reader sees the old or
// the new file, never half of one). back_up() copies the original next to it under a new,
// timestamped name that never replaces an existing file, with the original's owner and mode
// (odbc.ini holds passwords: a backup must not be more readable than the file).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "shim/config/connstr.h"

namespace odbcretry::tool {

class IniText {
  public:
    // Reads `path`; nullopt (with `error`) when it cannot be read. A missing file is an error.
    static std::optional<IniText> load(const std::string& path, std::string& error);
    static IniText parse(std::string text);

    const std::string& text() const;
    std::vector<std::string> sections() const;  // in file order, as spelt in the file
    bool has_section(const std::string& name) const;
    // Every key of the section in file order (the value trimmed); nullopt when it does not exist.
    std::optional<std::vector<KeyValue>> keys(const std::string& section) const;

    // Changes. Each keeps every other line as it is.
    bool rename_section(const std::string& from, const std::string& to);
    // Inserts a new section right before the header of `before` (comment lines above that
    // header stay above the new one), or at the end when `before` does not exist; a blank line
    // separates it.
    void insert_section(const std::string& name, const std::vector<KeyValue>& keys,
                        const std::string& before = "");
    // Removes the section's header and keys (comment lines directly above the next section stay
    // with that section).
    bool remove_section(const std::string& name);
    // Replaces the value of an existing key (keeping its spelling and the spacing around '='),
    // or adds the key after the section's last key. False when the section does not exist.
    bool set_key(const std::string& section, const std::string& key, const std::string& value);
    bool remove_key(const std::string& section, const std::string& key);

    // Writes the text over `path` as described above.
    bool save(const std::string& path, std::string& error) const;

  private:
    std::optional<std::size_t> header_of(const std::string& section) const;
    std::size_t end_of(std::size_t header) const;  // the line after the section's last line
    void rebuild() const;

    std::vector<std::string> lines_;
    bool final_newline_ = true;
    std::string newline_ = "\n";
    mutable std::string text_;
};

// Copies `path` to "PATH.odbc-retry-YYYYmmddTHHMMSS.bak" (or ".N.bak" when that name is taken),
// never replacing a file, with the original's owner and mode. Sets `backup` to its name. False,
// with `error`, when the copy cannot be made; true with an empty `backup` when `path` does not
// exist.
bool back_up(const std::string& path, std::string& backup, std::string& error);

}  // namespace odbcretry::tool
