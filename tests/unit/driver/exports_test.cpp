// SPDX-License-Identifier: Apache-2.0
// What libodbcretry.so shows the dynamic linker: the ODBC entry points and nothing else, no
// dependency on a driver manager, and its own calls bound inside it (-Bsymbolic).
//
// Read from the ELF file itself (section headers, .dynsym, .dynamic), so the test needs no
// binutils at run time.
#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "driver_harness.h"

namespace odbcretry::driver_tests {
namespace {

struct DynamicInfo {
    std::vector<std::string> defined;    // defined global or weak dynamic symbols
    std::vector<std::string> undefined;  // what the library takes from others
    std::vector<std::string> needed;     // DT_NEEDED
    bool symbolic = false;               // DT_SYMBOLIC or DF_SYMBOLIC
    std::string error;
};

DynamicInfo read_dynamic(const std::string& path) {
    DynamicInfo info;
    std::ifstream file(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    auto fits = [&](size_t offset, size_t size) {
        return offset <= bytes.size() && size <= bytes.size() - offset;
    };
    if (!fits(0, sizeof(Elf64_Ehdr)) || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0 ||
        bytes[EI_CLASS] != ELFCLASS64) {
        info.error = "not a 64-bit ELF file";
        return info;
    }
    Elf64_Ehdr eh;
    std::memcpy(&eh, bytes.data(), sizeof eh);
    if (!fits(eh.e_shoff, size_t{eh.e_shnum} * sizeof(Elf64_Shdr))) {
        info.error = "section headers out of range";
        return info;
    }
    std::vector<Elf64_Shdr> sections(eh.e_shnum);
    std::memcpy(sections.data(), bytes.data() + eh.e_shoff, sections.size() * sizeof(Elf64_Shdr));
    auto string_at = [&](const Elf64_Shdr& strtab, size_t offset) -> std::string {
        if (offset >= strtab.sh_size || !fits(strtab.sh_offset, strtab.sh_size)) return "?";
        const char* s = bytes.data() + strtab.sh_offset + offset;
        return std::string(s, strnlen(s, strtab.sh_size - offset));
    };
    for (const Elf64_Shdr& sh : sections) {
        if (sh.sh_link >= sections.size() || !fits(sh.sh_offset, sh.sh_size)) continue;
        const Elf64_Shdr& strtab = sections[sh.sh_link];
        if (sh.sh_type == SHT_DYNSYM) {
            for (size_t i = 1; i < sh.sh_size / sizeof(Elf64_Sym); ++i) {
                Elf64_Sym sym;
                std::memcpy(&sym, bytes.data() + sh.sh_offset + i * sizeof(Elf64_Sym), sizeof sym);
                int bind = ELF64_ST_BIND(sym.st_info);
                if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) continue;
                std::string name = string_at(strtab, sym.st_name);
                (sym.st_shndx == SHN_UNDEF ? info.undefined : info.defined).push_back(name);
            }
        } else if (sh.sh_type == SHT_DYNAMIC) {
            for (size_t i = 0; i < sh.sh_size / sizeof(Elf64_Dyn); ++i) {
                Elf64_Dyn dyn;
                std::memcpy(&dyn, bytes.data() + sh.sh_offset + i * sizeof(Elf64_Dyn), sizeof dyn);
                if (dyn.d_tag == DT_NEEDED)
                    info.needed.push_back(string_at(strtab, dyn.d_un.d_val));
                if (dyn.d_tag == DT_SYMBOLIC) info.symbolic = true;
                if (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_SYMBOLIC)) info.symbolic = true;
            }
        }
    }
    return info;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += " " + n;
    return out;
}

TEST(Exports, OnlyTheOdbcEntryPointsAreExported) {
    DynamicInfo info = read_dynamic(retry().path);
    ASSERT_TRUE(info.error.empty()) << retry().path << ": " << info.error;
    ASSERT_FALSE(info.defined.empty()) << retry().path << " exports nothing";
    for (const std::string& name : info.defined)
        EXPECT_EQ(name.rfind("SQL", 0), 0u) << "exported: " << name;
    std::set<std::string> exported(info.defined.begin(), info.defined.end());
    std::set<std::string> expected(export_names().begin(), export_names().end());
    EXPECT_EQ(exported, expected) << "exported:" << joined(info.defined);
}

TEST(Exports, NoLibraryInternalsLeak) {
    DynamicInfo info = read_dynamic(retry().path);
    ASSERT_TRUE(info.error.empty()) << info.error;
    for (const std::string& name : info.defined) {
        for (const char* internal : {"spdlog", "fmt", "ini_parse", "INIReader", "odbcretry", "_Z"})
            EXPECT_EQ(name.find(internal), std::string::npos) << "exported: " << name;
    }
}

TEST(Exports, EveryExportIsResolvableAndDistinct) {
    const Api& a = retry();
    std::set<void*> addresses;
    for (const std::string& name : export_names()) {
        void* f = dlsym(a.library, name.c_str());
        ASSERT_NE(f, nullptr) << name;
        Dl_info where{};
        ASSERT_NE(dladdr(f, &where), 0) << name;
        EXPECT_EQ(std::string(where.dli_fname), a.path) << name << " resolved into another library";
        EXPECT_EQ(std::string(where.dli_sname ? where.dli_sname : ""), name)
            << "resolved into another symbol";
        EXPECT_TRUE(addresses.insert(f).second)
            << name << " shares its address with another export";
    }
}

// A driver must not link the driver manager: its SQL* names would then compete with ours.
TEST(Exports, DoesNotDependOnTheDriverManager) {
    DynamicInfo info = read_dynamic(retry().path);
    ASSERT_TRUE(info.error.empty()) << info.error;
    for (const std::string& lib : info.needed) {
        EXPECT_NE(lib.rfind("libodbc.so", 0), 0u) << "DT_NEEDED " << lib;
        EXPECT_NE(lib.rfind("libiodbc", 0), 0u) << "DT_NEEDED " << lib;
    }
    // Nor does it take any SQL* function from elsewhere (odbcinst's SQLGetPrivateProfileString
    // and friends are configuration functions, not ODBC calls).
    const std::set<std::string> config_functions = {
        "SQLGetPrivateProfileString", "SQLWritePrivateProfileString", "SQLGetConfigMode",
        "SQLSetConfigMode", "SQLGetInstalledDrivers"};
    for (const std::string& name : info.undefined)
        if (name.rfind("SQL", 0) == 0) {
            EXPECT_TRUE(config_functions.count(name)) << "imports " << name;
        }
}

TEST(Exports, OwnCallsAreBoundInsideTheLibrary) {
    DynamicInfo info = read_dynamic(retry().path);
    ASSERT_TRUE(info.error.empty()) << info.error;
    EXPECT_TRUE(info.symbolic) << "libodbcretry.so is not linked with -Bsymbolic";
}

}  // namespace
}  // namespace odbcretry::driver_tests
