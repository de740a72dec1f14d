#pragma once
// A directory of the test's own: made fresh under the system temp dir ($TMPDIR, else /tmp) with
// mkdtemp, so that no two tests, test processes or runs ever share a path (ctest runs several at
// once), and removed with everything in it when the object goes away. With
// AUTHDIFF_KEEP_TEST_FILES=1 in the environment it is kept, and its path printed, for a look.
#include <string>

namespace authdiff::test {

class TempDir {
 public:
  // `prefix` starts the directory's name (authdiff-PREFIX-XXXXXX); throws std::runtime_error
  // when it cannot be made.
  explicit TempDir(const std::string& prefix = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return m_path; }
  // PATH/NAME (not created).
  std::string file(const std::string& name) const { return m_path + "/" + name; }
  // A fresh, empty subdirectory PATH/NAME-XXXXXX (also unique when NAME repeats).
  std::string make_dir(const std::string& name) const;

 private:
  std::string m_path;
};

// A directory for the whole test process, removed when it exits: for files that tests of one
// binary share (a suite's reports) or that outlive one test.
const TempDir& process_temp_dir();

}  // namespace authdiff::test
