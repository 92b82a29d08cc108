// Errors that mean "the input is wrong" (a recipe, a file, a database, a
// command-line value) as opposed to a bug in Loupe. They always say *where*
// (a file, a field path, an option) and *what* is wrong, so the message can be
// shown to a user as it is: "recipe.json: params.block_q: must be ...".
//
// Bugs are LOUPE_ASSERT (Assert.h); CUDA failures are checked at each call (docs/ARCHITECTURE.md, Errors).
#pragma once

#include <stdexcept>
#include <string>

namespace loupe {

class InputError : public std::runtime_error {
 public:
  // `where` may be empty when the problem has no better location.
  InputError(const std::string& where, const std::string& problem)
      : std::runtime_error(where.empty() ? problem : where + ": " + problem), m_where(where), m_problem(problem) {}

  const std::string& where() const { return m_where; }
  const std::string& problem() const { return m_problem; }

 private:
  std::string m_where;
  std::string m_problem;
};

}  // namespace loupe
