// SPDX-License-Identifier: Apache-2.0
// Classification of a target's failure: which ErrorClass a set of diagnostic records belongs to.
//
// Classification is data. A Rule matches a record by SQLSTATE (exact, or a 2-character class),
// native error code, a case-insensitive message substring and the phase of the call. Rules are
// consulted in this order, and for each record the FIRST matching rule decides that record:
//
//   1. the user's rules (configuration), in the order given: they may override anything below;
//   2. the authentication rules (authentication_rules()), while connecting: a refused login is
//      fatal for every family, recognised by SQLSTATE class 28 or by the texts drivers use
//      ("password authentication failed", "Access denied for user", "Login failed for user",
//      "invalid username/password" ...), so that no driver's wrong password is ever retried
//      (retries lock accounts on servers with lockout policies);
//   3. the driver family's built-in rules (builtin_rules(family));
//   4. the generic SQLSTATE-class rules (generic_rules()). Their "08001 at connect is
//      transient" has an attempt cap (Rule::attempt_cap): an unknown driver's 08001 may be a
//      refused login in words no rule knows.
//
// A record no rule matches is fatal "by default" (Verdict::rule is null).
//
// A failure may carry several records (FreeTDS sends 08S01/20009 and then 08001/0). The record
// whose verdict ranks highest decides, ranks highest first:
//
//   connection_lost  > fatal by an explicit rule > transient > rolled_back > timeout
//                    > fatal by default (no rule matched)
//
// connection_lost dominates because a dead connection is dead whatever else was said. A fatal
// verdict that a rule explicitly chose (authentication, missing database, syntax) outranks the
// retryable classes because drivers add generic summary records to such failures: FreeTDS
// reports a wrong password as 42000/18456 "Login failed" followed by 08001/0 "Unable to connect
// to data source"; letting the 08001 record win would retry a wrong password until the deadline
// (and lock accounts). A fatal verdict that only means "nothing matched" ranks lowest, so any
// record that a rule recognises as retryable wins over it. Between records of equal rank the
// first one wins.
//
// Phase matters: psqlODBC reports every connect failure as 08001/101 and only the text tells a
// server that is starting up (transient) from a wrong password (fatal); 08S01 while connecting
// means the server could not be reached (transient) but on an established connection it means
// the connection was lost. Built-in rules that only make sense on an established connection
// apply to Phase::Statement and Phase::Commit; those for connecting apply to Phase::Connect.
// User rules apply to every phase (the retry policy decides per phase whether a class retries).
//
// The target's own SQL_ATTR_CONNECTION_DEAD is a second signal (see classify()).
//
// Classifier is immutable after construction: classify() may be called from any thread.
// A Verdict points into the Classifier (user rules) or static tables; it is valid as long as
// the Classifier that produced it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shim/target_driver/profile.h"
#include "shim/retry/error_class.h"
#include "shim/retry/parse_result.h"

namespace odbcretry {

// One diagnostic record of a failed call (views into the caller's copy of the record).
struct Failure {
    std::string_view sqlstate;
    long native = 0;
    std::string_view message;
};

// DriverFamily, its names and detect_family(): shim/target_driver/profile.h.

// When the call failed: the same SQLSTATE means different things while connecting and on an
// established connection.
enum class Phase : std::uint8_t { Connect, Statement, Commit };
std::string_view to_string(Phase phase);  // "connect", "statement", "commit"

// A set of phases, as a bit mask.
using PhaseMask = std::uint8_t;
constexpr PhaseMask phase_bit(Phase phase) {
    return static_cast<PhaseMask>(1u << static_cast<unsigned>(phase));
}
inline constexpr PhaseMask kAnyPhase = 0b111;
inline constexpr PhaseMask kConnectPhase = phase_bit(Phase::Connect);
inline constexpr PhaseMask kEstablishedPhases =
    phase_bit(Phase::Statement) | phase_bit(Phase::Commit);

struct Rule {
    std::string sqlstate;                // empty = any; 2 characters = that SQLSTATE class ("08")
    std::optional<long> native;          // empty = any
    std::string message_substring;       // empty = any; else matched ASCII case-insensitively
    ErrorClass cls = ErrorClass::Fatal;  // the class of a record this rule matches
    std::string name;                    // shown by `odbc-retry explain` and in logs
    PhaseMask phases = kAnyPhase;        // the phases this rule applies to
    // At most this many attempts in all (the first included) for a failure this rule decides,
    // whatever RetryMaxAttempts says; 0 = no cap of its own. Built-in rules that are unsure
    // (an unknown driver's 08001 may be a refused login) retry only a little.
    int attempt_cap = 0;

    bool matches(const Failure& failure, Phase phase) const;
};

// The built-in rules of one family, in the order they are consulted (without generic_rules(),
// which are consulted after them). Empty for Generic.
std::span<const Rule> builtin_rules(DriverFamily family);
// The SQLSTATE-class rules consulted for every family after its own.
std::span<const Rule> generic_rules();
// The rules that recognise a refused login, for every family (consulted before the family's).
std::span<const Rule> authentication_rules();
// Whether one of the records says the server refused the login (an authentication rule
// matches it): the server answered, so it is reachable.
bool is_authentication_failure(std::span<const Failure> records);

class Classifier {
  public:
    struct Verdict {
        ErrorClass cls = ErrorClass::Fatal;
        const Rule* rule = nullptr;  // null: no rule matched (fatal by default), or no record
        std::string_view rule_name;  // the rule's name, or a fixed text when rule is null
        std::size_t record = 0;      // index of the deciding record (0 when there is none)
    };

    explicit Classifier(DriverFamily family, std::vector<Rule> user_rules = {});

    // Classifies the records of one failed call (see the file comment for the ranking).
    // `target_reports_dead` is the target's SQL_ATTR_CONNECTION_DEAD, asked after the failure:
    // true after a Statement or Commit failure makes the verdict connection_lost whatever the
    // records say (rule_name "target reports SQL_ATTR_CONNECTION_DEAD"); false changes nothing
    // (psqlODBC only notices a dead socket when a call hits it, so false is not proof of life);
    // ignored for Phase::Connect, where there is no established connection to be dead.
    Verdict classify(std::span<const Failure> records, Phase phase,
                     std::optional<bool> target_reports_dead = std::nullopt) const;

    DriverFamily family() const { return family_; }
    const std::vector<Rule>& user_rules() const { return user_rules_; }

  private:
    Verdict classify_record(const Failure& failure, Phase phase) const;

    DriverFamily family_;
    std::vector<Rule> user_rules_;
    std::span<const Rule> family_rules_;
};

// Parses the value of a user rule key (one per class: the caller knows which class the key is
// for) into rules of class `cls`.
//
// Syntax: items separated by ',' or ';'; spaces around an item are ignored and empty items
// skipped. An item is
//
//     [SQLSTATE] [':' NATIVE] ['~' MESSAGE]       (at least one part; all given parts must match)
//
//   SQLSTATE  5 characters ("08S01"), a 2-character class ("08"), or '*' (any)
//   NATIVE    the native error code, a decimal integer (may be negative)
//   MESSAGE   a substring of the message text, matched case-insensitively; either bare (up to the
//             next separator, trimmed) or in double quotes, which may hold ',' ';' and spaces,
//             with "" for a literal double quote
//
// Examples: 08S01   HY000:2006   *:2006   :2006   ~has gone away   08001~"starting up"
//           HY000:1~"server closed the connection unexpectedly"
//
// An item that would match every error ('*' alone) is rejected. On error the message names the
// bad item. The rules apply to every phase; each is named `user rule "ITEM"`.
ParseResult<std::vector<Rule>> parse_rules(std::string_view value, ErrorClass cls);

}  // namespace odbcretry
