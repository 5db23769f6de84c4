// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: ODBC connection strings (shim/config/connstr.h).
//
// Invariants, for any input x:
//   - parse either succeeds or fails with a message, and mask_secrets(x) then says it is
//   unparsable;
//   - parse(format(parse(x))) == parse(x): formatting keeps every key and value exactly;
//   - format is a fixed point: format(parse(format(p))) == format(p);
//   - mask_secrets(x) parses to the same keys in the same order, with every secret value "***" and
//     every other value unchanged;
//   - find_key finds the last occurrence, case-insensitively.
// Plus, from the sanitizers: no crash, no leak, no undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "shim/config/connstr.h"

using odbcretry::KeyValue;

namespace {

std::string escaped(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (c >= 32 && c < 127) {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

[[noreturn]] void fail(const char* what, std::string_view input, const std::string& detail = {}) {
    std::fprintf(stderr, "fuzz_connection_string: %s\ninput (%zu bytes): %s\n%s\n", what,
                 input.size(), escaped(input).c_str(), detail.c_str());
    std::abort();
}

std::string show(const std::vector<KeyValue>& pairs) {
    std::string out;
    for (auto& kv : pairs) out += "  [" + escaped(kv.key) + "] = [" + escaped(kv.value) + "]\n";
    return out;
}

bool same(const std::vector<KeyValue>& a, const std::vector<KeyValue>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].key != b[i].key || a[i].value != b[i].value) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto first = odbcretry::parse_connection_string(input, error);
    std::string masked = odbcretry::mask_secrets(input);
    if (!first) {
        if (error.empty()) fail("parse failed without a message", input);
        if (masked != "(unparsable connection string, not shown)")
            fail("mask_secrets of an unparsable string", input, masked);
        return 0;
    }
    for (auto& kv : *first)
        if (kv.key.empty()) fail("empty key", input, show(*first));

    std::string formatted = odbcretry::format_connection_string(*first);
    std::string error2;
    auto second = odbcretry::parse_connection_string(formatted, error2);
    if (!second) fail("format produced an unparsable string", input, formatted + "\n" + error2);
    if (!same(*first, *second))
        fail("parse(format(parse(x))) != parse(x)", input,
             "parse(x):\n" + show(*first) + "parse(format(parse(x))):\n" + show(*second));
    if (odbcretry::format_connection_string(*second) != formatted)
        fail("format is not a fixed point", input, formatted);

    std::string error3;
    auto masked_pairs = odbcretry::parse_connection_string(masked, error3);
    if (!masked_pairs)
        fail("mask_secrets produced an unparsable string", input, masked + "\n" + error3);
    if (masked_pairs->size() != first->size())
        fail("mask_secrets changed the number of keys", input, masked);
    for (size_t i = 0; i < first->size(); ++i) {
        const KeyValue& original = (*first)[i];
        const KeyValue& m = (*masked_pairs)[i];
        if (m.key != original.key) fail("mask_secrets changed a key", input, masked);
        if (odbcretry::is_secret_key(original.key) ? m.value != "***" : m.value != original.value)
            fail("mask_secrets: wrong value", input,
                 "key [" + original.key + "] masked value [" + m.value + "]");
    }

    for (size_t i = 0; i < first->size(); ++i) {
        const KeyValue* found = odbcretry::find_key(*first, (*first)[i].key);
        if (!found) fail("find_key misses a key", input);
        for (size_t j = static_cast<size_t>(found - first->data()) + 1; j < first->size(); ++j)
            if (odbcretry::iequals((*first)[j].key, (*first)[i].key))
                fail("find_key did not return the last occurrence", input);
    }
    return 0;
}
