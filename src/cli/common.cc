#include "cli/common.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace corroborate::cli {

std::string DefaultDataDir() {
  if (const char* dir = std::getenv("CORROBORATE_DATA_DIR"); dir != nullptr && *dir != '\0')
    return dir;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/corroborate";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.local/share/corroborate";
  }
  return ".corroborate";
}

Result<std::unique_ptr<store::FindingStore>> OpenStore(const GlobalOptions& options) {
  const std::string dir = options.data_dir.empty() ? DefaultDataDir() : options.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create the data directory " + dir + ": " + ec.message());
  store::StoreOptions store_options;
  store_options.retention_active_days = options.retention_active_days;
  store_options.retention_archived_days = options.retention_archived_days;
  return store::OpenEmbeddedStore(dir, store_options);
}

std::unique_ptr<store::FindingStore> OpenStoreOrReport(const GlobalOptions& options,
                                                       int* exit_code) {
  auto store = OpenStore(options);
  if (!store.ok()) {
    PrintError(store.status().message());
    *exit_code = kExitFatal;
    return nullptr;
  }
  return std::move(store).value();
}

Result<std::string> ReadJsonArgument(const std::string& text, const std::string& option_name) {
  if (text.empty() || text[0] != '@') return text;
  const std::string path = text.substr(1);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(option_name + ": cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void PrintError(const std::string& message) {
  std::fprintf(stderr, "corroborate: %s\n", message.c_str());
}

}  // namespace corroborate::cli
