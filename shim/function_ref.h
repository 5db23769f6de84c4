// SPDX-License-Identifier: Apache-2.0
// A non-owning reference to a callable, for handing "do the call again" to cold retry paths
// without a template per call site and without allocating (std::function may allocate).
#pragma once
#include <type_traits>
#include <utility>

namespace odbcretry {

// What a reissue function returns when the call cannot be made again (its arguments are gone).
inline constexpr short kCannotReissue = -100;

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
  public:
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
    FunctionRef(F&& f)  // NOLINT: implicit on purpose, like std::function_ref
        : object_(const_cast<void*>(static_cast<const void*>(&f))),
          call_([](void* o, Args... args) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
          }) {}
    R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

  private:
    void* object_;
    R (*call_)(void*, Args...);
};

}  // namespace odbcretry
