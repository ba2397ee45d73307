// The workshop server: POSIX sockets, one request at a time (each run already uses every
// core), HTTP/1.1 with Connection: close. Only GET; only the page and two JSON endpoints.
#include "workshop.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "tenure/core/error.hpp"
#include "tenure/model/components.hpp"
#include "tenure/output/output.hpp"
#include "tenure/scenario/experiment.hpp"
#include "workshop_page.hpp"

namespace tenure::workshop {

namespace {

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o + "\"";
}

std::string json_number(double x) {
  const std::string s = output::number(x);
  return s.empty() ? "null" : s;
}

std::string json_list(const std::vector<double>& xs) {
  std::string o = "[";
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i) o += ',';
    o += json_number(xs[i]);
  }
  o += ']';
  return o;
}

std::string url_decode(const std::string& s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') o += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
             std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      o += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      o += s[i];
    }
  }
  return o;
}

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  std::stringstream ss(q);
  for (std::string kv; std::getline(ss, kv, '&');) {
    if (kv.empty()) continue;
    const auto eq = kv.find('=');
    out[url_decode(kv.substr(0, eq))] = eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1));
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string l; std::getline(ss, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// The scenarios the page offers: the bundled stories, and the file given on the command line.
std::vector<std::pair<std::string, std::string>> scenario_files(const Options& o) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> paths;
  std::error_code ec;
  if (!o.scenario_dir.empty())
    for (const auto& e : std::filesystem::directory_iterator(o.scenario_dir, ec))
      if (e.path().extension() == ".yaml") paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  if (!o.file.empty()) paths.insert(paths.begin(), o.file);
  for (const auto& p : paths) {
    const std::string stem = std::filesystem::path(p).stem().string();
    if (std::none_of(out.begin(), out.end(), [&](const auto& x) { return x.first == stem; })) out.emplace_back(stem, p);
  }
  return out;
}

std::string scenarios_json(const Options& o) {
  std::ostringstream j;
  j << "{\"replications\":" << o.replications << ",\"scenarios\":[";
  bool first = true;
  for (const auto& [name, path] : scenario_files(o)) {
    try {
      const auto sc = scenario::load(path);
      j << (first ? "" : ",") << "{\"name\":" << json_string(name) << ",\"story\":" << json_string(sc.story)
        << ",\"variants\":[\"base\"";
      for (const auto& v : sc.variants) j << "," << json_string(v.first);
      j << "]}";
      first = false;
    } catch (const Error&) {
      // a broken file is left out of the list; opening it by name reports the problem
    }
  }
  j << "],\"promotion_policies\":[";
  first = true;
  for (const auto& n : model::promotion_policies().names()) j << (first ? "" : ",") << json_string(n), first = false;
  j << "]}";
  return j.str();
}

struct Pane {
  scenario::RunSet rs;
};

const std::vector<const char*>& series_names() {
  static const std::vector<const char*> n{"active_accounts", "value", "mean_satisfaction", "new_business", "churned_value"};
  return n;
}

double series_value(const model::MonthRow& m, const std::string& name) {
  if (name == "active_accounts") return static_cast<double>(m.active_accounts);
  if (name == "value") return m.value;
  if (name == "mean_satisfaction") return m.mean_satisfaction;
  if (name == "new_business") return m.new_business;
  return m.churned_value;
}

std::string interval_json(const output::Interval& iv) {
  return "{\"mean\":" + json_number(iv.mean) + ",\"low\":" + json_number(iv.low) + ",\"high\":" + json_number(iv.high) + "}";
}

std::string pane_json(const scenario::RunSet& rs) {
  const auto& runs = rs.results.front();
  std::ostringstream j;
  j << "{\"series\":{";
  std::size_t months = runs.empty() ? 0 : runs.front().months.size();
  for (const auto& r : runs) months = std::min(months, r.months.size());
  bool first = true;
  for (const char* name : series_names()) {
    std::vector<double> mean, low, high;
    for (std::size_t m = 0; m < months; ++m) {
      std::vector<double> x;
      for (const auto& r : runs) x.push_back(series_value(r.months[m], name));
      const auto iv = output::mean_ci(x);
      mean.push_back(iv.mean), low.push_back(iv.low), high.push_back(iv.high);
    }
    j << (first ? "" : ",") << "\"" << name << "\":{\"mean\":" << json_list(mean) << ",\"low\":" << json_list(low)
      << ",\"high\":" << json_list(high) << "}";
    first = false;
  }
  j << "},\"metrics\":{";
  first = true;
  for (const auto& m : output::metrics()) {
    std::vector<double> x;
    for (const auto& r : runs) x.push_back(m.of(r));
    j << (first ? "" : ",") << "\"" << m.name << "\":" << interval_json(output::mean_ci(x));
    first = false;
  }
  j << "}}";
  return j.str();
}

}  // namespace

Answer run_query(const Options& o, const std::string& query, PaneCache& cache) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto q = parse_query(query);
  auto get = [&](const std::string& k, const std::string& def) { return q.count(k) ? q.at(k) : def; };
  const auto files = scenario_files(o);
  const std::string name = get("scenario", files.empty() ? "" : files.front().first);
  const auto f = std::find_if(files.begin(), files.end(), [&](const auto& x) { return x.first == name; });
  std::vector<std::string> known;
  for (const auto& x : files) known.push_back(x.first);
  if (f == files.end()) return {404, "{\"error\":" + json_string(unknown_name_message("scenario", name, known)) + "}"};
  int reps = o.replications;
  std::optional<std::uint64_t> seed;  // unset: the scenario's
  try {
    reps = std::stoi(get("replications", std::to_string(o.replications)));
  } catch (const std::exception&) {
    return {400, "{\"error\":\"replications: expected a whole number\"}"};
  }
  if (q.count("seed")) {
    std::string err;
    seed = scenario::parse_seed(q.at("seed"), err);
    if (!seed) return {400, "{\"error\":" + json_string("seed: " + err) + "}"};
  }
  if (reps < 2 || reps > 1000) return {400, "{\"error\":\"replications: expected 2 to 1000\"}"};
  try {
    PaneResult panes[2];  // copies: putting pane B may evict pane A's entry
    const char* ids[2] = {"a", "b"};
    int fresh = 0;
    for (int p = 0; p < 2; ++p) {
      const std::string sets = get(ids[p], ""), variant = get(std::string(ids[p]) + "_variant", "base");
      const std::string key = f->second + "\x1f" + sets + "\x1f" + variant + "\x1f" + std::to_string(reps) + "\x1f" +
                              (seed ? std::to_string(*seed) : std::string("file")) + "\x1f" + std::to_string(std::filesystem::last_write_time(f->second).time_since_epoch().count());
      if (const PaneResult* hit = cache.find(key)) {
        panes[p] = *hit;
        continue;
      }
      const auto sc = scenario::load(f->second, lines_of(sets));
      scenario::RunOptions ro;
      ro.seed = seed;  // unset: the scenario's; the same for both panes, so they share random numbers
      ro.replications = reps;
      ro.variants = {variant};
      const auto rs = scenario::run(sc, ro);
      PaneResult r;
      r.json = pane_json(rs);
      r.seed = rs.seed;
      for (const auto& m : output::metrics()) {
        std::vector<double> x;
        for (const auto& run : rs.results.front()) x.push_back(m.of(run));
        r.metrics.push_back(std::move(x));
      }
      panes[p] = cache.put(key, std::move(r));
      ++fresh;
    }
    std::ostringstream j;
    j << "{\"scenario\":" << json_string(name) << ",\"replications\":" << reps << ",\"seed\":" << panes[0].seed
      << ",\"panes_run\":" << fresh << ",\"a\":" << panes[0].json << ",\"b\":" << panes[1].json << ",\"diff\":{";
    for (std::size_t k = 0; k < output::metrics().size(); ++k) {
      std::vector<double> d;
      const auto& a = panes[0].metrics[k];
      const auto& b = panes[1].metrics[k];
      for (std::size_t r = 0; r < a.size() && r < b.size(); ++r) d.push_back(b[r] - a[r]);
      j << (k ? "," : "") << "\"" << output::metrics()[k].name << "\":" << interval_json(output::mean_ci(d));
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    j << "},\"elapsed_ms\":" << json_number(ms) << "}";
    return {200, j.str()};
  } catch (const Error& e) {
    return {400, "{\"error\":" + json_string(e.what()) + "}"};
  }
}

namespace {

void respond(int fd, int status, const std::string& type, const std::string& body) {
  const char* reason = status == 200 ? "OK" : status == 404 ? "Not Found" : status == 405 ? "Method Not Allowed" : "Bad Request";
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
                     "\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
  const std::string all = head + body;
  std::size_t sent = 0;
  while (sent < all.size()) {
    const ssize_t n = ::send(fd, all.data() + sent, all.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the browser went away
    sent += static_cast<std::size_t>(n);
  }
}

void handle(int fd, const Options& o, PaneCache& cache) {
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    req.append(buf, static_cast<std::size_t>(n));
  }
  std::istringstream line(req.substr(0, req.find("\r\n")));
  std::string method, target;
  line >> method >> target;
  if (method != "GET") return respond(fd, 405, "text/plain", "only GET\n");
  const auto qm = target.find('?');
  const std::string path = target.substr(0, qm), query = qm == std::string::npos ? "" : target.substr(qm + 1);
  if (path == "/" || path == "/index.html") return respond(fd, 200, "text/html; charset=utf-8", kWorkshopPage);
  if (path == "/api/scenarios") return respond(fd, 200, "application/json", scenarios_json(o));
  if (path == "/api/run") {
    const Answer a = run_query(o, query, cache);
    return respond(fd, a.status, "application/json", a.body);
  }
  respond(fd, 404, "text/plain", "not found\n");
}

}  // namespace

int serve(const Options& o) {
  std::signal(SIGPIPE, SIG_IGN);
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) throw Error(std::string("workshop: cannot open a socket: ") + std::strerror(errno));
  int yes = 1;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    ::close(s);
    throw Error("workshop: --host: expected an IPv4 address such as 127.0.0.1, got '" + o.host + "'");
  }
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(s, 16) != 0) {
    const std::string why = std::strerror(errno);
    ::close(s);
    throw Error("workshop: cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + why +
                " (try another --port, or --port 0 for any free one)");
  }
  socklen_t len = sizeof addr;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  PaneCache cache;  // the server's: a slider moves one pane, the other pane's results are reused
  std::printf("tenure workshop: http://%s:%d/  (Ctrl-C to stop)\n", o.host.c_str(), ntohs(addr.sin_port));
  std::fflush(stdout);
  for (;;) {
    const int c = ::accept(s, nullptr, nullptr);
    if (c < 0) {
      if (errno == EINTR) continue;
      break;
    }
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    try {
      handle(c, o, cache);
    } catch (const std::exception& e) {
      respond(c, 400, "application/json", "{\"error\":" + json_string(e.what()) + "}");
    }
    ::close(c);
    if (o.once) break;
  }
  ::close(s);
  return 0;
}

}  // namespace tenure::workshop

namespace tenure::workshop {

const PaneResult* PaneCache::find(const std::string& key) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

const PaneResult& PaneCache::put(std::string key, PaneResult r) {
  if (entries_.size() >= 16) entries_.erase(entries_.begin());
  entries_.emplace_back(std::move(key), std::move(r));
  return entries_.back().second;
}

}  // namespace tenure::workshop
