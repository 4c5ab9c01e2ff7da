// Transparent hashing so that maps keyed by std::string can be searched with a std::string_view without
// building a temporary string (C++20 heterogeneous lookup).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace clickstream {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>()(s); }
};

}  // namespace clickstream
