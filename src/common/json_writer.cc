#include "common/json_writer.h"

#include <charconv>

#include "common/rfc3339.h"

namespace clickstream {

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[(c >> 4) & 0xf]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void JsonWriter::Field(std::string_view name, double value) {
  Key(name);
  char buf[32];
  // The shortest text that reads back as the same double (193.456476, not 193.45647600000001).
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_->append(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
}

void JsonWriter::Field(std::string_view name, EventTime value) {
  Key(name);
  out_->push_back('"');
  AppendRfc3339(value, out_);
  out_->push_back('"');
}

}  // namespace clickstream
