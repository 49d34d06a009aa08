// A journal of lines kept in a file: what a small service appends to as it works.
#pragma once

#include <string>
#include <vector>

class Journal {
 public:
  explicit Journal(std::string path) : path_(std::move(path)) {}
  // Appends one line to the file.
  bool Append(const std::string& line) const;
  // Every line in the file; none when it does not exist.
  std::vector<std::string> Lines() const;

 private:
  std::string path_;
};

// The last `n` lines of `lines` (all of them when there are fewer).
std::vector<std::string> Tail(const std::vector<std::string>& lines, std::size_t n);
