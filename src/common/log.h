// The diagnostics of every component: one line each on stderr, terse and greppable,
//
//   2026-12-03T12:00:00.123Z INFO run: partition 3 resumed
//
// (UTC time, level, component, message), written when the level is at or above the process-wide one
// (info unless SetLevel says otherwise: `--log-level` / LOG_LEVEL). Messages use fmt's format syntax.
// What a command prints as its result (stdout) or as its one-line fatal error is output, not a
// diagnostic: it does not go through here.
//
// Thread safety: every function may be called from any thread; a line is written whole.
#pragma once

#include <fmt/format.h>

#include <string_view>
#include <utility>

#include "common/status.h"

namespace clickstream::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

// "debug", "info", "warn", "error" or "off".
Result<Level> ParseLevel(std::string_view name);
void SetLevel(Level level);
bool Enabled(Level level);
// Writes `component: message` at `level` if Enabled(level).
void Write(Level level, std::string_view component, std::string_view message);

template <typename... Args>
void Log(Level level, std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (Enabled(level)) Write(level, component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void Debug(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kDebug, component, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Info(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kInfo, component, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Warn(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kWarn, component, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Error(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kError, component, format, std::forward<Args>(args)...);
}

}  // namespace clickstream::log
