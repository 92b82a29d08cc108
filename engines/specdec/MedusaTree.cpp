#include "engines/specdec/MedusaTree.h"

#include <algorithm>
#include <climits>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::specdec {

namespace {

std::string pathText(const std::vector<int>& p) {
  std::string s = "[";
  for (std::size_t i = 0; i < p.size(); ++i) s += (i ? ", " : "") + std::to_string(p[i]);
  return s + "]";
}

bool isPrefix(const std::vector<int>& prefix, const std::vector<int>& path) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

}  // namespace

MedusaBuffers medusaBuffers(const Choices& choices, int topk) {
  // The buffers hold an (N + 1)² attention mask: a 20,000-node tree once
  // asked for 1.65 GB before anything was checked.
  if (choices.size() > static_cast<std::size_t>(kMaxTreeNodes))
    throw std::invalid_argument("Medusa tree: " + std::to_string(choices.size()) + " nodes, more than the " +
                                std::to_string(kMaxTreeNodes) + " a tree may have (its attention mask is N² entries)");
  MedusaBuffers b;
  b.sorted = choices;
  std::sort(b.sorted.begin(), b.sorted.end(),
            [](const auto& x, const auto& y) { return x.size() != y.size() ? x.size() < y.size() : x < y; });
  std::map<std::vector<int>, int> index;  // path → node index (1-based; 0 is the root)
  for (std::size_t i = 0; i < b.sorted.size(); ++i) {
    const auto& p = b.sorted[i];
    if (p.empty()) throw std::invalid_argument("Medusa tree: an empty path");
    for (int r : p)
      if (r < 0 || r >= topk)
        throw std::invalid_argument("Medusa tree: path " + pathText(p) + " has rank " + std::to_string(r) +
                                    " outside 0 … " + std::to_string(topk - 1));
    if (!index.emplace(p, static_cast<int>(i) + 1).second)
      throw std::invalid_argument("Medusa tree: path " + pathText(p) + " appears twice");
  }
  const int n = static_cast<int>(b.sorted.size()) + 1;
  b.attentionMask.assign(static_cast<std::size_t>(n), std::vector<int>(static_cast<std::size_t>(n), 0));
  b.treeIndices.assign(static_cast<std::size_t>(n), 0);
  b.positionIds.assign(static_cast<std::size_t>(n), 0);
  b.parents.assign(static_cast<std::size_t>(n), 0);
  b.parents[0] = -1;
  b.attentionMask[0][0] = 1;
  std::size_t depthMax = 0;
  for (int i = 1; i < n; ++i) {
    const auto& p = b.sorted[static_cast<std::size_t>(i - 1)];
    auto& row = b.attentionMask[static_cast<std::size_t>(i)];
    row[0] = row[static_cast<std::size_t>(i)] = 1;
    for (std::size_t len = 1; len < p.size(); ++len) {
      const auto it = index.find(std::vector<int>(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(len)));
      if (it == index.end())
        throw std::invalid_argument(
            "Medusa tree: path " + pathText(p) + " lacks its prefix " +
            pathText(std::vector<int>(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(len))));
      row[static_cast<std::size_t>(it->second)] = 1;
      b.parents[static_cast<std::size_t>(i)] = it->second;  // the longest prefix, last: the parent
    }
    const int depth = static_cast<int>(p.size());
    b.treeIndices[static_cast<std::size_t>(i)] = p.back() + topk * (depth - 1) + 1;
    b.positionIds[static_cast<std::size_t>(i)] = depth;
    depthMax = std::max(depthMax, p.size());
  }
  // Leaf paths, from the end of the sorted list (deepest first): a path that
  // is a prefix of one already taken adds nothing.
  std::vector<const std::vector<int>*> taken;
  for (auto it = b.sorted.rbegin(); it != b.sorted.rend(); ++it) {
    const bool covered =
        std::any_of(taken.begin(), taken.end(), [&](const std::vector<int>* t) { return isPrefix(*it, *t); });
    if (covered) continue;
    taken.push_back(&*it);
    std::vector<int> row{0};
    for (std::size_t len = 1; len <= it->size(); ++len)
      row.push_back(index.at(std::vector<int>(it->begin(), it->begin() + static_cast<std::ptrdiff_t>(len))));
    row.resize(depthMax + 1, -1);
    b.retrieveIndices.push_back(std::move(row));
  }
  return b;
}

Choices parseChoices(const std::string& json, const std::string& where) {
  nlohmann::json j;
  try {
    j = parseBoundedJson(json, where);
  } catch (const InputError& e) {
    throw std::invalid_argument(e.what());
  }
  if (!j.is_array()) throw std::invalid_argument(where + ": a choice list is an array of paths, like [[0], [0, 0]]");
  Choices out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_array())
      throw std::invalid_argument(where + "[" + std::to_string(i) + "]: a path is an array of ranks");
    std::vector<int> path;
    for (const auto& r : j[i]) {
      if (!r.is_number_integer())
        throw std::invalid_argument(where + "[" + std::to_string(i) + "]: ranks are integers, got " + jsonExcerpt(r));
      // get<int>() wraps: 4294967296 became rank 0 and passed the rank check.
      const bool fits = r.is_number_unsigned() ? r.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT_MAX)
                                               : r.get<std::int64_t>() >= INT_MIN && r.get<std::int64_t>() <= INT_MAX;
      if (!fits)
        throw std::invalid_argument(where + "[" + std::to_string(i) + "]: rank " + jsonExcerpt(r) +
                                    " is not a small integer");
      path.push_back(r.get<int>());
    }
    out.push_back(std::move(path));
  }
  return out;
}

std::string choicesToJson(const Choices& choices) {
  return nlohmann::json(choices).dump();
}

namespace {
nlohmann::json readChoicesFile(const std::filesystem::path& file) {
  nlohmann::json j;
  try {
    j = parseBoundedJson(readInputFile(file, kMaxJsonBytes), file.string());
  } catch (const InputError& e) {
    throw std::invalid_argument(e.what());
  }
  if (!j.contains("choices") || !j["choices"].is_object())
    throw std::invalid_argument(file.string() + ": no \"choices\" object of named trees");
  return j["choices"];
}
}  // namespace

std::vector<std::string> choiceNames(const std::filesystem::path& file) {
  std::vector<std::string> names;
  const nlohmann::json all = readChoicesFile(file);
  for (auto it = all.begin(); it != all.end(); ++it) names.push_back(it.key());
  return names;
}

Choices namedChoices(const std::filesystem::path& file, const std::string& name) {
  const auto all = readChoicesFile(file);
  if (!all.contains(name)) throw std::invalid_argument(file.string() + ": no tree named '" + name + "'");
  return parseChoices(all[name].dump(), file.string() + " " + name);
}

Choices chainChoices(int depth) {
  Choices out;
  for (int d = 1; d <= depth; ++d) out.push_back(std::vector<int>(static_cast<std::size_t>(d), 0));
  return out;
}

Choices choicesFromSpec(const std::string& spec, const std::filesystem::path& publishedFile) {
  Choices c;
  if (spec.rfind("chain:", 0) == 0) {
    const int depth = std::atoi(spec.c_str() + 6);
    if (depth < 1 || depth > 16) throw std::invalid_argument("'" + spec + "': chain depth must be 1 … 16");
    c = chainChoices(depth);
  } else if (!spec.empty() && spec[0] == '[') {
    c = parseChoices(spec, "choice list");
  } else {
    c = namedChoices(publishedFile, spec);
  }
  (void)medusaBuffers(c);  // a malformed tree fails here, before anything runs
  return c;
}

Choices withChild(const Choices& choices, const std::vector<int>& parent, int topk) {
  if (!parent.empty() && std::find(choices.begin(), choices.end(), parent) == choices.end())
    throw std::invalid_argument("Medusa tree: no node " + pathText(parent) + " to add a child to");
  std::vector<bool> taken(static_cast<std::size_t>(topk), false);
  for (const auto& p : choices)
    if (p.size() == parent.size() + 1 && isPrefix(parent, p) && p.back() >= 0 && p.back() < topk)
      taken[static_cast<std::size_t>(p.back())] = true;
  const auto free = std::find(taken.begin(), taken.end(), false);
  if (free == taken.end())
    throw std::invalid_argument("Medusa tree: " + pathText(parent) + " already has all " + std::to_string(topk) +
                                " ranks as children");
  Choices out = choices;
  out.push_back(parent);
  out.back().push_back(static_cast<int>(free - taken.begin()));
  return out;
}

Choices withoutSubtree(const Choices& choices, const std::vector<int>& path) {
  if (path.empty()) throw std::invalid_argument("Medusa tree: the root cannot be removed");
  Choices out;
  for (const auto& p : choices)
    if (!isPrefix(path, p)) out.push_back(p);
  return out;
}

}  // namespace loupe::specdec
