#include "server/http_types.h"

namespace corroborate::server {

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Request::Header(std::string_view name) const {
  for (const auto& h : headers) {
    if (HeaderNameEquals(h.name, name)) return h.value;
  }
  return {};
}

bool Request::HasHeader(std::string_view name) const {
  for (const auto& h : headers) {
    if (HeaderNameEquals(h.name, name)) return true;
  }
  return false;
}

std::string Request::QueryParam(std::string_view name) const {
  std::string_view q = raw_query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    const std::string_view pair = q.substr(0, amp);
    const size_t eq = pair.find('=');
    if (aws::UriDecode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : aws::UriDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace corroborate::server
