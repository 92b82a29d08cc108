// Reading runs, steps, metrics, arrays and artifacts back from the store.
#include <cmath>
#include <limits>

#include "engines/core/BoundedJson.h"
#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "experiments/ArrayCodec.h"
#include "experiments/Store.h"
#include "experiments/StoreConnection.h"

namespace loupe {

namespace {

// A stored shape, checked as a file's would be: a JSON list of non-negative
// integers whose byte size at `elementSize` stays under 2^62 (a damaged or
// hostile row once declared [4, 2^62]; [1.5] was read as [1]). `bytes`, when
// given, receives that size.
Shape storedShape(const std::string& text, std::size_t elementSize, const std::string& where,
                  std::uint64_t* bytes = nullptr) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array() || j.size() > 32) throw InputError(where, "malformed shape " + textExcerpt(text));
  Shape shape;
  for (const auto& d : j) {
    if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
      throw InputError(where, "shape " + textExcerpt(text) + " must list non-negative integers");
    shape.push_back(d.get<std::int64_t>());
  }
  const std::uint64_t size = checkedShapeBytes(shape, elementSize, where);
  if (bytes) *bytes = size;
  return shape;
}

constexpr const char* kRunColumns =
    "id, kind, name, recipe, status, error, created_at, started_at, ended_at, engine_version, device, seed, host, "
    "pid, (SELECT count(*) FROM steps WHERE steps.run_id = runs.id), uuid, sweep_id, sweep_point";

std::string runLabel(std::int64_t run) {
  return "run " + std::to_string(run);
}

}  // namespace

RunInfo Store::runFromRow(SqliteStatement& row) {
  RunInfo r;
  r.id = row.columnInt(0);
  r.kind = row.columnText(1);
  r.name = row.columnText(2);
  r.recipe = nlohmann::json::parse(row.columnText(3), nullptr, false);
  r.status = runStatusFromName(row.columnText(4));
  r.error = row.columnText(5);
  r.createdAt = row.columnDouble(6);
  r.startedAt = row.columnDouble(7);
  r.endedAt = row.columnDouble(8);
  r.engineVersion = row.columnText(9);
  r.device = row.columnText(10);
  r.seed = static_cast<std::uint64_t>(row.columnInt(11));
  r.host = row.columnText(12);
  r.pid = row.columnInt(13);
  r.stepCount = row.columnInt(14);
  r.uuid = row.columnText(15);
  r.sweepId = row.columnIsNull(16) ? 0 : row.columnInt(16);
  r.sweepPoint = row.columnIsNull(17) ? -1 : row.columnInt(17);
  return r;
}

std::vector<RunInfo> Store::listRuns() {
  auto select = m_c->db.prepare(std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id DESC");
  std::vector<RunInfo> runs;
  while (select.step()) runs.push_back(runFromRow(select));
  return runs;
}

std::vector<RunInfo> Store::sweepRuns(std::int64_t sweep) {
  auto select =
      m_c->db.prepare(std::string("SELECT ") + kRunColumns + " FROM runs WHERE sweep_id = ? ORDER BY sweep_point, id");
  select.bind(1, sweep);
  std::vector<RunInfo> runs;
  while (select.step()) runs.push_back(runFromRow(select));
  return runs;
}

std::optional<RunInfo> Store::findRun(std::int64_t run) {
  auto select = m_c->db.prepare(std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?");
  select.bind(1, run);
  if (!select.step()) return std::nullopt;
  return runFromRow(select);
}

RunInfo Store::getRun(std::int64_t run) {
  auto info = findRun(run);
  if (!info) throw InputError(runLabel(run), "no such run in " + path().string());
  return *info;
}

std::vector<std::int64_t> Store::stepNumbers(std::int64_t run) {
  auto select = m_c->db.prepare("SELECT step FROM steps WHERE run_id = ? ORDER BY step");
  select.bind(1, run);
  std::vector<std::int64_t> steps;
  while (select.step()) steps.push_back(select.columnInt(0));
  return steps;
}

std::vector<std::int64_t> Store::newestStepsAfter(std::int64_t run, std::int64_t after, int limit) {
  auto select = m_c->db.prepare("SELECT step FROM steps WHERE run_id = ? AND step > ? ORDER BY step DESC LIMIT ?");
  select.bind(1, run).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
  std::vector<std::int64_t> steps;
  while (select.step()) steps.push_back(select.columnInt(0));
  return {steps.rbegin(), steps.rend()};
}

StepRecord Store::readStep(std::int64_t run, std::int64_t step) {
  auto exists = m_c->db.prepare("SELECT 1 FROM steps WHERE run_id = ? AND step = ?");
  exists.bind(1, run).bind(2, step);
  if (!exists.step()) throw InputError(runLabel(run), "no step " + std::to_string(step));

  StepRecord record;
  record.step = step;
  auto metrics = m_c->db.prepare("SELECT name, value FROM metrics WHERE run_id = ? AND step = ? ORDER BY name");
  metrics.bind(1, run).bind(2, step);
  while (metrics.step()) {
    record.metric(metrics.columnText(0),
                  metrics.columnIsNull(1) ? std::numeric_limits<double>::quiet_NaN() : metrics.columnDouble(1));
  }
  for (const auto& info : arrayInfos(run, step)) record.array(info.name, readArray(run, step, info.name));
  return record;
}

std::vector<std::string> Store::metricNames(std::int64_t run) {
  auto select = m_c->db.prepare("SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name");
  select.bind(1, run);
  std::vector<std::string> names;
  while (select.step()) names.push_back(select.columnText(0));
  return names;
}

std::vector<std::pair<std::string, double>> Store::lastMetrics(std::int64_t run, int limit) {
  auto select = m_c->db.prepare(
      "SELECT name, value FROM metrics WHERE run_id = ?1 AND step = (SELECT max(step) FROM steps WHERE run_id = ?1)"
      " ORDER BY name LIMIT ?2");
  select.bind(1, run).bind(2, limit);
  std::vector<std::pair<std::string, double>> out;
  while (select.step()) {
    out.emplace_back(select.columnText(0),
                     select.columnIsNull(1) ? std::numeric_limits<double>::quiet_NaN() : select.columnDouble(1));
  }
  return out;
}

std::vector<std::pair<std::string, double>> Store::finalMetrics(std::int64_t run) {
  // SQLite's documented bare-column rule: with max(step), `value` comes
  // from the row holding that maximum.
  auto select =
      m_c->db.prepare("SELECT name, value, max(step) FROM metrics WHERE run_id = ? GROUP BY name ORDER BY name");
  select.bind(1, run);
  std::vector<std::pair<std::string, double>> out;
  while (select.step()) {
    out.emplace_back(select.columnText(0),
                     select.columnIsNull(1) ? std::numeric_limits<double>::quiet_NaN() : select.columnDouble(1));
  }
  return out;
}

std::vector<MetricPoint> Store::metricSeries(std::int64_t run, const std::string& name) {
  auto select = m_c->db.prepare("SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step");
  select.bind(1, run).bind(2, name);
  std::vector<MetricPoint> points;
  while (select.step()) {
    points.push_back({select.columnInt(0),
                      select.columnIsNull(1) ? std::numeric_limits<double>::quiet_NaN() : select.columnDouble(1)});
  }
  return points;
}

std::vector<ArrayInfo> Store::arrayInfos(std::int64_t run, std::optional<std::int64_t> step) {
  auto select = m_c->db.prepare(
      "SELECT step, name, dtype, shape, codec, raw_bytes, length(data) FROM arrays"
      " WHERE run_id = ?1 AND (?2 IS NULL OR step = ?2) ORDER BY step, name");
  select.bind(1, run);
  if (step)
    select.bind(2, *step);
  else
    select.bindNull(2);
  std::vector<ArrayInfo> infos;
  while (select.step()) {
    ArrayInfo a;
    a.step = select.columnInt(0);
    a.name = select.columnText(1);
    const std::string where = runLabel(run) + ", step " + std::to_string(a.step) + ", array " + a.name;
    const auto dtype = dtypeFromName(select.columnText(2));
    if (!dtype) throw InputError(where, "unknown dtype \"" + select.columnText(2) + "\" in " + path().string());
    a.dtype = *dtype;
    a.shape = storedShape(select.columnText(3), dtypeSize(a.dtype), where);
    a.codec = select.columnText(4);
    a.rawBytes = select.columnInt(5);
    a.storedBytes = select.columnInt(6);
    infos.push_back(std::move(a));
  }
  return infos;
}

Array Store::readArray(std::int64_t run, std::int64_t step, const std::string& name) {
  const std::string where = runLabel(run) + ", step " + std::to_string(step) + ", array " + name;
  auto select = m_c->db.prepare(
      "SELECT dtype, shape, codec, raw_bytes, data, crc32 FROM arrays WHERE run_id = ? AND step = ? AND name = ?");
  select.bind(1, run).bind(2, step).bind(3, name);
  if (!select.step()) throw InputError(where, "no such array");
  const auto dtype = dtypeFromName(select.columnText(0));
  if (!dtype) throw InputError(where, "malformed dtype in " + path().string());
  std::uint64_t bytes = 0;
  const Shape shape = storedShape(select.columnText(1), dtypeSize(*dtype), where, &bytes);
  // Sizes agree before anything is allocated.
  if (bytes != static_cast<std::uint64_t>(select.columnInt(3))) {
    throw InputError(where, "raw size " + std::to_string(select.columnInt(3)) + " does not match dtype and shape");
  }
  // Damage inside the blob is reported, never exported (arrays recorded
  // before schema 3 carry no checksum).
  if (!select.columnIsNull(5) && static_cast<std::int64_t>(storedCrc32(select.columnBlob(4))) != select.columnInt(5))
    throw InputError(where, "the stored bytes are damaged (checksum mismatch) in " + path().string());
  Array array(*dtype, shape);
  try {
    decodeArray(select.columnText(2), select.columnBlob(4), {array.bytes(), array.nbytes()}, where);
  } catch (const std::runtime_error& e) {
    throw InputError(path().string(), e.what());
  }
  return array;
}

std::vector<ArtifactInfo> Store::artifacts(std::int64_t run) {
  auto select =
      m_c->db.prepare("SELECT name, mime, length(data), created_at FROM artifacts WHERE run_id = ? ORDER BY name");
  select.bind(1, run);
  std::vector<ArtifactInfo> out;
  while (select.step()) {
    out.push_back({select.columnText(0), select.columnText(1), select.columnInt(2), select.columnDouble(3)});
  }
  return out;
}

std::vector<std::byte> Store::readArtifact(std::int64_t run, const std::string& name) {
  auto select = m_c->db.prepare("SELECT data FROM artifacts WHERE run_id = ? AND name = ?");
  select.bind(1, run).bind(2, name);
  if (!select.step()) throw InputError(runLabel(run), "no artifact \"" + name + "\"");
  const auto blob = select.columnBlob(0);
  return {blob.begin(), blob.end()};
}

std::string Store::integrityCheck() {
  auto select = m_c->db.prepare("PRAGMA integrity_check");
  std::string out;
  while (select.step()) out += (out.empty() ? "" : "; ") + select.columnText(0);
  return out;
}

}  // namespace loupe
