#include "journal.h"

#include <fstream>

bool Journal::Append(const std::string& line) const {
  std::ofstream out(path_, std::ios::app);
  out << line << '\n';
  return static_cast<bool>(out);
}

std::vector<std::string> Journal::Lines() const {
  std::vector<std::string> lines;
  std::ifstream in(path_);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> Tail(const std::vector<std::string>& lines, std::size_t n) {
  if (lines.size() <= n) return lines;
  return std::vector<std::string>(lines.end() - static_cast<std::ptrdiff_t>(n), lines.end());
}
