// Sweeps in the store: a sweep row per spec, runs linked to it by point.
#include "engines/core/Error.h"
#include "engines/core/Timer.h"
#include "experiments/Store.h"
#include "experiments/StoreConnection.h"

namespace loupe {

namespace {

constexpr const char* kSweepColumns =
    "id, uuid, name, spec, points, backend, coalesce(job_id, ''), coalesce(directory, ''), created_at";

}  // namespace

SweepInfo Store::sweepFromRow(SqliteStatement& row) {
  SweepInfo s;
  s.id = row.columnInt(0);
  s.uuid = row.columnText(1);
  s.name = row.columnText(2);
  s.spec = nlohmann::json::parse(row.columnText(3), nullptr, false);
  s.points = row.columnInt(4);
  s.backend = row.columnText(5);
  s.jobId = row.columnText(6);
  s.directory = row.columnText(7);
  s.createdAt = row.columnDouble(8);
  return s;
}

std::int64_t Store::createSweep(const SweepInfo& sweep) {
  refuseWrite();
  commit();
  if (!sweep.uuid.empty())
    if (auto existing = findSweepByUuid(sweep.uuid)) return existing->id;
  auto insert = m_c->db.prepare(
      "INSERT INTO sweeps(uuid, name, spec, points, backend, job_id, directory, created_at)"
      " VALUES (coalesce(nullif(?, ''), lower(hex(randomblob(16)))), ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), ?)");
  insert.bind(1, sweep.uuid)
      .bind(2, sweep.name)
      .bind(3, sweep.spec.dump())
      .bind(4, sweep.points)
      .bind(5, sweep.backend)
      .bind(6, sweep.jobId)
      .bind(7, sweep.directory)
      .bind(8, sweep.createdAt > 0 ? sweep.createdAt : unixTimeSeconds())
      .run();
  return m_c->db.lastInsertRowId();
}

void Store::setSweepJob(std::int64_t sweep, const std::string& jobId) {
  refuseWrite();
  commit();
  m_c->db.prepare("UPDATE sweeps SET job_id = ? WHERE id = ?").bind(1, jobId).bind(2, sweep).run();
}

void Store::setSweepDirectory(std::int64_t sweep, const std::string& directory) {
  refuseWrite();
  commit();
  m_c->db.prepare("UPDATE sweeps SET directory = ? WHERE id = ?").bind(1, directory).bind(2, sweep).run();
}

void Store::linkRunToSweep(std::int64_t run, std::int64_t sweep, std::int64_t point) {
  refuseWrite();
  commit();
  if (!findSweep(sweep)) throw InputError(path().string(), "sweep " + std::to_string(sweep) + ": no such sweep");
  m_c->db.prepare("UPDATE runs SET sweep_id = ?, sweep_point = ? WHERE id = ?")
      .bind(1, sweep)
      .bind(2, point)
      .bind(3, run)
      .run();
}

std::vector<SweepInfo> Store::listSweeps() {
  auto select = m_c->db.prepare(std::string("SELECT ") + kSweepColumns + " FROM sweeps ORDER BY id DESC");
  std::vector<SweepInfo> out;
  while (select.step()) out.push_back(sweepFromRow(select));
  return out;
}

std::optional<SweepInfo> Store::findSweep(std::int64_t sweep) {
  auto select = m_c->db.prepare(std::string("SELECT ") + kSweepColumns + " FROM sweeps WHERE id = ?");
  select.bind(1, sweep);
  if (!select.step()) return std::nullopt;
  return sweepFromRow(select);
}

std::optional<SweepInfo> Store::findSweepByUuid(const std::string& uuid) {
  auto select = m_c->db.prepare(std::string("SELECT ") + kSweepColumns + " FROM sweeps WHERE uuid = ?");
  select.bind(1, uuid);
  if (!select.step()) return std::nullopt;
  return sweepFromRow(select);
}

}  // namespace loupe
