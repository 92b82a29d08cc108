// `loupe kinds | list | show | export | rm`: reading and managing stored runs.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/Cli.h"
#include "app/cli/CliCommands.h"
#include "app/cli/CliFormat.h"
#include "engines/core/Error.h"
#include "experiments/Export.h"

namespace loupe {

using nlohmann::json;

std::int64_t parseRunId(Store& store, const std::string& text) {
  if (text == "last") {
    const auto runs = store.listRuns();
    if (runs.empty()) throw InputError(store.path().string(), "has no runs yet");
    return runs.front().id;
  }
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    throw InputError("run \"" + text + "\"", "expected a run id (a positive integer) or 'last'");
  }
  store.getRun(id);  // throws "no such run"
  return id;
}

namespace {

json kindJson(const EngineKind& k) {
  json devices = json::array({"cpu"});
  if (k.supportsCuda) devices.push_back("cuda");
  return {{"name", k.name},
          {"version", k.version},
          {"summary", k.summary},
          {"devices", devices},
          {"params", k.schema.toJson()}};
}

struct MetricSummary {
  std::string name;
  std::size_t count = 0;
  double first = 0, last = 0, min = 0, max = 0;
};

std::vector<MetricSummary> summarise(Store& store, std::int64_t run) {
  std::vector<MetricSummary> out;
  for (const auto& name : store.metricNames(run)) {
    const auto series = store.metricSeries(run, name);
    MetricSummary s{name, series.size(), series.front().value, series.back().value, INFINITY, -INFINITY};
    for (const auto& p : series) {
      if (std::isnan(p.value)) continue;
      s.min = std::min(s.min, p.value);
      s.max = std::max(s.max, p.value);
    }
    if (s.min > s.max) s.min = s.max = NAN;  // all NaN
    out.push_back(s);
  }
  return out;
}

double duration(const RunInfo& r) {
  if (r.startedAt <= 0) return -1;
  return r.endedAt > 0 ? r.endedAt - r.startedAt : -1;
}

}  // namespace

int commandKinds(const KindRegistry& registry, bool asJson) {
  if (asJson) {
    json out = json::array();
    for (const auto& name : registry.names()) out.push_back(kindJson(*registry.find(name)));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (registry.kinds().empty()) {
    std::cout << "No engine kinds are registered in this build yet.\n";
    return kExitOk;
  }
  for (const auto& name : registry.names()) {
    const EngineKind& k = *registry.find(name);
    std::cout << k.name << "  v" << k.version << "  [cpu" << (k.supportsCuda ? ", cuda" : "") << "]  " << k.summary
              << "\n";
    for (const auto& p : k.schema.specs()) {
      std::string constraint;
      if (p.powerOfTwo) constraint += "power of two ";
      if (p.min && p.max) constraint += "[" + formatNumber(*p.min) + ", " + formatNumber(*p.max) + "]";
      for (std::size_t i = 0; i < p.choices.size(); ++i) constraint += (i ? "|" : "") + p.choices[i];
      std::printf("    %-18s %-10s %-14s %-22s %s\n", p.name.c_str(), paramTypeName(p.type),
                  p.defaultValue.dump().c_str(), constraint.c_str(), p.doc.c_str());
    }
  }
  return kExitOk;
}

int commandList(const std::filesystem::path& db, bool asJson) {
  Store store(db);
  const auto runs = store.listRuns();
  if (asJson) {
    json out = json::array();
    for (const auto& r : runs) out.push_back(runInfoJson(r));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (runs.empty()) {
    std::cout << "No runs in " << store.path().string() << " yet. Start one with: loupe run RECIPE.json\n";
    return kExitOk;
  }
  std::printf("%6s  %-11s  %-22s  %-24s  %7s  %-19s  %10s  %s\n", "ID", "STATUS", "KIND", "NAME", "STEPS", "STARTED",
              "DURATION", "DEVICE");
  for (const auto& r : runs) {
    // Kind and name may hold any UTF-8: padded by code points, not bytes.
    std::printf("%6lld  %-11s  %s  %s  %7lld  %-19s  %10s  %s\n", static_cast<long long>(r.id), runStatusName(r.status),
                padColumn(r.kind, 22).c_str(), fitColumn(r.name, 24).c_str(), static_cast<long long>(r.stepCount),
                formatLocalTime(r.startedAt > 0 ? r.startedAt : r.createdAt).c_str(),
                formatDuration(duration(r)).c_str(), r.device.c_str());
  }
  return kExitOk;
}

int commandShow(const std::filesystem::path& db, const std::string& runText, bool asJson) {
  Store store(db);
  const std::int64_t id = parseRunId(store, runText);
  const RunInfo r = store.getRun(id);
  const auto metrics = summarise(store, id);
  const auto arrays = store.arrayInfos(id);
  const auto artifacts = store.artifacts(id);

  if (asJson) {
    json out = runInfoJson(r);
    out["metrics"] = json::array();
    for (const auto& m : metrics) {
      auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
      out["metrics"].push_back({{"name", m.name},
                                {"count", m.count},
                                {"first", num(m.first)},
                                {"last", num(m.last)},
                                {"min", num(m.min)},
                                {"max", num(m.max)}});
    }
    out["arrays"] = json::array();
    for (const auto& a : arrays) {
      out["arrays"].push_back({{"step", a.step},
                               {"name", a.name},
                               {"dtype", dtypeName(a.dtype)},
                               {"shape", a.shape},
                               {"codec", a.codec},
                               {"raw_bytes", a.rawBytes},
                               {"stored_bytes", a.storedBytes}});
    }
    out["artifacts"] = json::array();
    for (const auto& a : artifacts)
      out["artifacts"].push_back({{"name", a.name}, {"mime", a.mime}, {"bytes", a.bytes}});
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }

  std::printf("run %lld  %s  \"%s\"\n", static_cast<long long>(r.id), r.kind.c_str(), r.name.c_str());
  std::printf("  status    %s%s%s\n", runStatusName(r.status), r.error.empty() ? "" : ": ", r.error.c_str());
  std::printf("  created   %s   started %s   ended %s   (%s)\n", formatLocalTime(r.createdAt).c_str(),
              formatLocalTime(r.startedAt).c_str(), formatLocalTime(r.endedAt).c_str(),
              formatDuration(duration(r)).c_str());
  std::printf("  engine    %s v%s on %s, seed %llu, host %s pid %lld\n", r.kind.c_str(), r.engineVersion.c_str(),
              r.device.c_str(), static_cast<unsigned long long>(r.seed), r.host.c_str(), static_cast<long long>(r.pid));
  std::printf("  steps     %lld\n", static_cast<long long>(r.stepCount));
  std::printf("  recipe    %s\n", r.recipe.dump().c_str());
  if (!metrics.empty()) {
    std::printf("  metrics   %-24s %7s %13s %13s %13s %13s\n", "NAME", "COUNT", "FIRST", "LAST", "MIN", "MAX");
    for (const auto& m : metrics) {
      std::printf("            %-24s %7zu %13s %13s %13s %13s\n", m.name.c_str(), m.count,
                  formatNumber(m.first).c_str(), formatNumber(m.last).c_str(), formatNumber(m.min).c_str(),
                  formatNumber(m.max).c_str());
    }
  }
  if (!arrays.empty()) {
    // One line per array name: how many steps carry it, its latest shape.
    std::vector<std::string> names;
    for (const auto& a : arrays)
      if (std::find(names.begin(), names.end(), a.name) == names.end()) names.push_back(a.name);
    std::printf("  arrays    %-24s %7s %-6s %-18s %s\n", "NAME", "STEPS", "DTYPE", "SHAPE", "STORED / RAW");
    for (const auto& name : names) {
      std::size_t count = 0;
      double stored = 0, raw = 0;
      const ArrayInfo* latest = nullptr;
      for (const auto& a : arrays) {
        if (a.name != name) continue;
        ++count;
        stored += static_cast<double>(a.storedBytes);
        raw += static_cast<double>(a.rawBytes);
        latest = &a;
      }
      std::printf("            %-24s %7zu %-6s %-18s %s / %s\n", name.c_str(), count,
                  std::string(dtypeName(latest->dtype)).c_str(), shapeToString(latest->shape).c_str(),
                  formatBytes(stored).c_str(), formatBytes(raw).c_str());
    }
  }
  for (const auto& a : artifacts) {
    std::printf("  artifact  %s (%s, %s)\n", a.name.c_str(), a.mime.c_str(),
                formatBytes(static_cast<double>(a.bytes)).c_str());
  }
  return kExitOk;
}

int commandExport(const std::filesystem::path& db, const ExportCommand& command) {
  Store store(db);
  const std::int64_t id = parseRunId(store, command.run);
  const bool filtered = command.array || command.step;
  if (filtered && !command.format.empty() && command.format != "npy") {
    throw InputError("--array/--step", "select arrays, so they go with --format npy");
  }
  const std::string format = command.format.empty() && filtered ? "npy" : command.format;
  std::vector<std::filesystem::path> written;
  if (format.empty() || format == "csv") written.push_back(exportMetricsCsv(store, id, command.outDir));
  if (format.empty() || format == "json") written.push_back(exportRunJson(store, id, command.outDir));
  if (format == "npy" || (format.empty() && !store.arrayInfos(id).empty())) {
    for (auto& f : exportArraysNpy(store, id, command.outDir, command.array, command.step)) written.push_back(f);
  }
  for (const auto& f : written) std::cout << f.string() << "\n";
  return kExitOk;
}

int commandRemove(const std::filesystem::path& db, const std::string& runText) {
  Store store(db);
  const std::int64_t id = parseRunId(store, runText);
  const RunInfo r = store.getRun(id);
  store.removeRun(id);
  std::printf("removed run %lld (%s \"%s\", %lld steps)\n", static_cast<long long>(id), r.kind.c_str(), r.name.c_str(),
              static_cast<long long>(r.stepCount));
  return kExitOk;
}

}  // namespace loupe
