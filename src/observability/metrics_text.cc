#include "observability/metrics_text.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "common/check.h"

namespace clickstream {
namespace {

void AppendNumber(int64_t value, std::string* out) { *out += std::to_string(value); }

void AppendNumber(double value, std::string* out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);  // shortest exact
  if (ec != std::errc()) end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out->append(buf, end);
}

}  // namespace

void SampleWriter::Start(std::string_view suffix, std::initializer_list<std::string_view> label_values) {
  *out_ += family_.name;
  *out_ += suffix;
  std::string_view keys = family_.labels;
  const size_t declared =
      keys.empty() ? 0 : static_cast<size_t>(std::count(keys.begin(), keys.end(), ',')) + 1;
  CS_CHECK(label_values.size() == declared)
      << family_.name << " declares the labels {" << family_.labels << "}, not " << label_values.size();
  char separator = '{';
  for (const std::string_view value : label_values) {
    const size_t comma = keys.find(',');
    *out_ += separator;
    *out_ += keys.substr(0, comma);
    *out_ += "=\"";
    *out_ += value;
    *out_ += '"';
    keys = comma == std::string_view::npos ? std::string_view() : keys.substr(comma + 1);
    separator = ',';
  }
  if (label_values.size() > 0) *out_ += '}';
  *out_ += ' ';
}

void SampleWriter::Add(std::initializer_list<std::string_view> label_values, int64_t value) {
  Start("", label_values);
  AppendNumber(value, out_);
  *out_ += '\n';
}

void SampleWriter::Add(std::initializer_list<std::string_view> label_values, double value) {
  Start("", label_values);
  AppendNumber(value, out_);
  *out_ += '\n';
}

void SampleWriter::Histogram(std::span<const double> upper_bounds, std::span<const int64_t> counts,
                             double sum) {
  CS_CHECK(family_.type == MetricType::kHistogram && counts.size() == upper_bounds.size() + 1)
      << family_.name;
  int64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    char le[32];
    if (i < upper_bounds.size()) {
      std::snprintf(le, sizeof le, "%g", upper_bounds[i]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    *out_ += family_.name;
    *out_ += "_bucket{le=\"";
    *out_ += le;
    *out_ += "\"} ";
    AppendNumber(cumulative, out_);
    *out_ += '\n';
  }
  Start("_sum", {});
  AppendNumber(sum, out_);
  *out_ += '\n';
  Start("_count", {});
  AppendNumber(cumulative, out_);
  *out_ += '\n';
}

std::string RenderMetrics(const PipelineProbe& probe, int64_t now_unix_micros) {
  std::string out;
  for (const MetricFamily& family : MetricFamilies()) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    out += family.help;
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += MetricTypeName(family.type);
    out += '\n';
    SampleWriter writer(family, &out);
    family.samples(probe, now_unix_micros, writer);
  }
  return out;
}

std::string MetricsReference() {
  std::string out = "| metric | type | meaning |\n|---|---|---|\n";
  for (const MetricFamily& family : MetricFamilies()) {
    out += "| `";
    out += family.name;
    if (!family.labels.empty()) out += "{" + std::string(family.labels) + "}";
    out += "` | ";
    out += MetricTypeName(family.type);
    out += " | ";
    out += family.help;
    out += " |\n";
  }
  return out;
}

}  // namespace clickstream
