// tenure._core: binds the engine for Python. Only binding here: loading, running, tables and
// writers are the engine's own functions. Simulations run with the GIL released; tables
// cross as NumPy arrays that own the engine's buffers (text columns as codes and levels),
// never as one Python object per row.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "cli.hpp"
#include "hooks.hpp"
#include "tenure/core/error.hpp"
#include "tenure/model/components.hpp"
#include "tenure/output/columns.hpp"
#include "tenure/output/output.hpp"
#include "tenure/output/provenance.hpp"
#include "tenure/scenario/experiment.hpp"
#include "tenure/scenario/scenario.hpp"

namespace py = pybind11;
using namespace tenure;

namespace {

// Runs `work` on a thread of its own, the GIL released, while the calling thread wakes every
// 50 ms to report progress (the Python callback runs here, on the caller's thread, holding the
// GIL) and to check for Ctrl-C. On a signal, or an exception from the callback, the workers are
// told to stop (no new replication starts), joined, and the Python error is raised: a prompt
// KeyboardInterrupt, nothing returned half-done, the interpreter intact.
template <class Work>
auto interruptible(const std::function<void(std::size_t, std::size_t)>& progress, Work work) {
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> done{0}, total{0};
  using R = decltype(work(stop, done, total));
  std::optional<R> result;
  std::exception_ptr failure;
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread worker([&] {
    try {
      result.emplace(work(stop, done, total));
    } catch (...) {
      failure = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mu);
    finished = true;
    cv.notify_all();
  });
  auto stop_and_join = [&] {
    stop = true;
    py::gil_scoped_release nogil;
    worker.join();
  };
  std::size_t shown = 0;
  for (;;) {
    bool fin = false;
    {
      py::gil_scoped_release nogil;
      std::unique_lock<std::mutex> lock(mu);
      fin = cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return finished; });
    }
    try {
      if (progress && done.load() != shown) {
        shown = done.load();
        progress(shown, total.load());
      }
      if (fin) break;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    } catch (...) {
      stop_and_join();
      throw;
    }
  }
  {
    py::gil_scoped_release nogil;
    worker.join();
  }
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

// The progress and stop hooks of the engine, wired to interruptible's counters.
template <class Options>
void watch(Options& o, const std::atomic<bool>& stop, std::atomic<std::size_t>& done, std::atomic<std::size_t>& total) {
  o.stop = &stop;
  o.progress = [&done, &total](std::size_t d, std::size_t t) {
    total = t;
    done = d;
  };
}

// A NumPy array that takes ownership of a vector's buffer, without copying.
template <class T>
py::array_t<T> to_array(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(), free_when_done);
}

// [(name, kind, values, levels)]: kind is "int", "real", "bool" or "text"; text values are
// int32 codes into levels.
py::list to_python(output::Table&& t) {
  py::list out;
  for (auto& c : t.columns) {
    using K = output::Column::Kind;
    switch (c.kind) {
      case K::Integer: out.append(py::make_tuple(c.name, "int", to_array(std::move(c.integers)), py::none())); break;
      case K::Boolean: out.append(py::make_tuple(c.name, "bool", to_array(std::move(c.integers)), py::none())); break;
      case K::Real: out.append(py::make_tuple(c.name, "real", to_array(std::move(c.reals)), py::none())); break;
      case K::Text: out.append(py::make_tuple(c.name, "text", to_array(std::move(c.codes)), c.levels)); break;
    }
  }
  return out;
}

py::object to_python(const ParamValue& v) {
  return std::visit([](const auto& x) -> py::object { return py::cast(x); }, v);
}

py::dict spec_dict(const ParamSpec& p) {
  py::dict d;
  d["name"] = p.name;
  d["type"] = to_string(p.type);
  d["unit"] = p.unit;
  d["default"] = to_python(p.default_value);
  d["min"] = p.min ? py::cast(*p.min) : py::none();
  d["max"] = p.max ? py::cast(*p.max) : py::none();
  d["description"] = p.description;
  d["choices"] = p.choices;
  return d;
}

template <class Reg>
void add_components(py::list& out, const char* kind, const Reg& reg) {
  for (const auto* e : reg.entries()) {
    py::list params;
    for (const auto& p : e->params) params.append(spec_dict(p));
    py::dict d;
    d["kind"] = kind;
    d["name"] = e->name;
    d["description"] = e->description;
    d["parameters"] = params;
    out.append(d);
  }
}

std::vector<std::string> variant_names(const scenario::Scenario& sc) {
  std::vector<std::string> v{"base"};
  for (const auto& [n, p] : sc.variants) v.push_back(n);
  return v;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "tenure's engine (native). Use the tenure package, not this module.";
  static py::exception<Error> error_type(m, "TenureError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      error_type(e.what());
    }
  });

  py::class_<scenario::Scenario>(m, "Scenario")
      .def_readonly("path", &scenario::Scenario::path)
      .def_readonly("name", &scenario::Scenario::name)
      .def_readonly("story", &scenario::Scenario::story)
      .def_property_readonly("variants", &variant_names)
      .def_property_readonly("replications", [](const scenario::Scenario& s) { return s.experiment.replications; })
      .def_property_readonly("seed", [](const scenario::Scenario& s) { return s.experiment.seed; })
      .def_property_readonly("precision", [](const scenario::Scenario& s) { return s.experiment.precision; })
      .def_property_readonly("outputs", [](const scenario::Scenario& s) { return s.experiment.outputs; })
      .def_readonly("plugins", &scenario::Scenario::plugins)
      .def_property_readonly("horizon_days", [](const scenario::Scenario& s) { return s.base.horizon_days; })
      .def("effective_yaml", &scenario::effective_yaml)
      .def("value", [](const scenario::Scenario& s, const std::string& path, const std::string& variant) {
        const model::ModelParams* p = &s.base;
        for (const auto& [n, vp] : s.variants)
          if (n == variant) p = &vp;
        if (variant != "base" && p == &s.base) throw Error(unknown_name_message("variant", variant, variant_names(s)));
        for (const auto& f : scenario::fields())
          if (f.path == path) return to_python(f.get(*p));
        std::vector<std::string> known;
        for (const auto& f : scenario::fields()) known.push_back(f.path);
        throw Error(unknown_name_message("key", path, known));
      }, py::arg("path"), py::arg("variant") = "base");

  m.def("load", &scenario::load, py::arg("path"), py::arg("sets") = std::vector<std::string>{},
        py::call_guard<py::gil_scoped_release>());
  m.def("load_string", &scenario::load_string, py::arg("text"), py::arg("name") = "<string>",
        py::arg("sets") = std::vector<std::string>{}, py::call_guard<py::gil_scoped_release>());

  py::class_<scenario::RunSet>(m, "RunSet")
      .def_readonly("scenario", &scenario::RunSet::scenario)
      .def_readonly("seed", &scenario::RunSet::seed)
      .def_readonly("first_replication", &scenario::RunSet::first_replication)
      .def_readonly("variants", &scenario::RunSet::variants)
      .def_property_readonly("replications", [](const scenario::RunSet& r) {
        return r.results.empty() ? std::size_t{0} : r.results.front().size();
      })
      .def_property_readonly("events", [](const scenario::RunSet& r) {
        std::uint64_t n = 0;
        for (const auto& v : r.results)
          for (const auto& x : v) n += x.events;
        return n;
      });

  m.def(
      "run",
      [](const scenario::Scenario& sc, std::optional<std::uint64_t> seed, std::int64_t replications,
         std::uint64_t first_replication, std::vector<std::string> variants, unsigned threads,
         std::function<void(std::size_t, std::size_t)> progress) {
        return interruptible(progress, [&](const auto& stop, auto& done, auto& total) {
          scenario::RunOptions o;
          o.seed = seed;
          o.replications = replications;
          o.first_replication = first_replication;
          o.variants = variants;
          o.threads = threads;
          watch(o, stop, done, total);
          return scenario::run(sc, o);
        });
      },
      py::arg("scenario"), py::arg("seed") = py::none(), py::arg("replications") = 0, py::arg("first_replication") = 0,
      py::arg("variants") = std::vector<std::string>{}, py::arg("threads") = 0, py::arg("progress") = nullptr);
  py::class_<scenario::Snapshot>(m, "Snapshot")
      .def_readonly("scenario_yaml", &scenario::Snapshot::scenario)
      .def_readonly("scenario_name", &scenario::Snapshot::scenario_name)
      .def_readonly("variant", &scenario::Snapshot::variant)
      .def_readonly("seed", &scenario::Snapshot::seed)
      .def_readonly("first_replication", &scenario::Snapshot::first_replication)
      .def_readonly("day", &scenario::Snapshot::day)
      .def_property_readonly("replications", [](const scenario::Snapshot& s) { return s.states.size(); })
      .def("encode", [](const scenario::Snapshot& s) {
        std::string b;
        {
          py::gil_scoped_release nogil;
          b = scenario::encode(s);
        }
        return py::bytes(b);
      });
  m.def("decode_snapshot", [](const py::bytes& b, const std::string& name) {
    std::string bytes = b;
    py::gil_scoped_release nogil;
    return scenario::decode(bytes, name);
  }, py::arg("bytes"), py::arg("name"));
  m.def(
      "take_snapshot",
      [](const scenario::Scenario& sc, const std::string& variant, double day, std::optional<std::uint64_t> seed,
         std::int64_t replications, unsigned threads) {
        return interruptible({}, [&](const auto& stop, auto& done, auto& total) {
          scenario::RunOptions o;
          o.seed = seed;
          o.replications = replications;
          o.threads = threads;
          watch(o, stop, done, total);
          return scenario::take_snapshot(sc, variant, day, o);
        });
      },
      py::arg("scenario"), py::arg("variant"), py::arg("day"), py::arg("seed") = py::none(), py::arg("replications") = 0,
      py::arg("threads") = 0);
  m.def(
      "fork",
      [](const scenario::Scenario& sc, const scenario::Snapshot& snap, std::vector<std::string> variants, unsigned threads) {
        return interruptible({}, [&](const auto& stop, auto& done, auto& total) {
          scenario::RunOptions o;
          o.variants = variants;
          o.threads = threads;
          watch(o, stop, done, total);
          return scenario::fork(sc, snap, o);
        });
      },
      py::arg("scenario"), py::arg("snapshot"), py::arg("variants") = std::vector<std::string>{}, py::arg("threads") = 0);
  m.def("write_atomically", &output::write_atomically, py::arg("path"), py::arg("data"),
        py::call_guard<py::gil_scoped_release>());

  m.def("append", [](scenario::RunSet& into, scenario::RunSet more) { scenario::append(into, std::move(more)); },
        py::arg("into"), py::arg("more"));

  py::class_<scenario::AttributionSet>(m, "AttributionSet").def_property_readonly("factors", [](const scenario::AttributionSet& a) {
    std::vector<std::string> f;
    for (auto x : a.factors) f.emplace_back(model::to_string(x));
    return f;
  });
  m.def(
      "attribute",
      [](const scenario::Scenario& sc, const scenario::RunSet& rs, unsigned threads,
         std::function<void(std::size_t, std::size_t)> progress) {
        return interruptible(progress, [&](const auto& stop, auto& done, auto& total) {
          scenario::AttributionOptions o;
          o.threads = threads;
          watch(o, stop, done, total);
          return scenario::attribute(sc, rs, scenario::default_factors(sc.base), o);
        });
      },
      py::arg("scenario"), py::arg("runs"), py::arg("threads") = 0, py::arg("progress") = nullptr);

  m.def("table", [](const scenario::RunSet& rs, const std::string& name, const std::string& reference, double target,
                    const std::vector<std::string>& columns) {
    output::Table t;
    {
      py::gil_scoped_release nogil;
      if (name == "timeseries") t = output::timeseries_table(rs);
      else if (name == "managers") t = output::managers_table(rs);
      else if (name == "lost") t = output::lost_table(rs);
      else if (name == "accounts") t = output::accounts_table(rs);
      else if (name == "account_events") t = output::account_events_table(rs);
      else if (name == "manager_months") t = output::manager_months_table(rs);
      else if (name == "runs") t = output::runs_table(rs);
      else if (name == "summary") t = output::summary_table(rs, target);
      else if (name == "paired") t = output::paired_table(rs, reference);
      else if (name == "warm_up") t = output::warm_up_table(rs, columns.empty() ? output::default_warm_up_columns() : columns);
      else
        throw Error(unknown_name_message("table", name, {"timeseries", "managers", "lost", "accounts", "account_events", "manager_months",
                                                          "runs", "summary", "paired", "warm_up"}));
    }
    return to_python(std::move(t));
  }, py::arg("runs"), py::arg("name"), py::arg("reference") = "base", py::arg("target") = 0.05,
     py::arg("columns") = std::vector<std::string>{});
  m.def("attribution_table", [](const scenario::RunSet& rs, const scenario::AttributionSet& at) {
    return to_python(output::attribution_table(rs, at));
  }, py::arg("runs"), py::arg("attribution"));

  m.def("write_run", [](const std::string& dir, const scenario::Scenario& sc, const scenario::RunSet& rs,
                        const scenario::AttributionSet* at, const std::string& source, const std::string& kind,
                        const std::string& invocation, const std::vector<std::pair<std::string, std::string>>& environment,
                        double wall_seconds) {
    output::Provenance prov;
    prov.kind = kind, prov.invocation = invocation, prov.environment = environment;
    prov.wall_seconds = wall_seconds, prov.attribution = at != nullptr;
    py::gil_scoped_release nogil;
    return output::write_run(dir, sc, rs, at, source, &prov);
  }, py::arg("dir"), py::arg("scenario"), py::arg("runs"), py::arg("attribution") = nullptr, py::arg("source"),
     py::arg("kind") = "run", py::arg("invocation") = "", py::arg("environment") = std::vector<std::pair<std::string, std::string>>{},
     py::arg("wall_seconds") = 0.0);
  m.def("build_info", [] { return output::build_info_json(); });
  m.def("odd_markdown", [](const scenario::Scenario& sc) { return scenario::odd_markdown(sc); }, py::arg("scenario"));
  m.attr("pybind11_version") = std::to_string(PYBIND11_VERSION_MAJOR) + "." + std::to_string(PYBIND11_VERSION_MINOR) + "." +
                               std::to_string(PYBIND11_VERSION_PATCH);
  m.def("verify", [](const std::string& dir, unsigned threads) {
    output::Verification v;
    {
      py::gil_scoped_release nogil;
      v = output::verify(dir, threads);
    }
    return std::make_pair(v.same, v.lines);
  }, py::arg("dir"), py::arg("threads") = 0);

  m.def("metrics", [] {
    std::vector<std::string> n;
    for (const auto& x : output::metrics()) n.emplace_back(x.name);
    return n;
  });
  // Every output column's declaration (output/columns.hpp): table, name, kind, unit, label,
  // description; the run metrics as the table "runs".
  m.def("columns", [] {
    py::list out;
    auto kind = [](output::Column::Kind k) {
      switch (k) {
        case output::Column::Kind::Integer: return "integer";
        case output::Column::Kind::Real: return "real";
        case output::Column::Kind::Boolean: return "boolean";
        case output::Column::Kind::Text: return "text";
      }
      return "?";
    };
    auto add = [&](const char* table, const auto& cols) {
      for (const auto& c : cols) {
        py::dict d;
        d["table"] = table, d["name"] = c.name, d["kind"] = kind(c.kind), d["unit"] = c.unit;
        d["label"] = c.label, d["description"] = c.description;
        out.append(d);
      }
    };
    add("timeseries", output::month_columns());
    add("managers", output::manager_columns());
    add("lost", output::lost_columns());
    add("accounts", output::account_columns());
    add("manager_months", output::manager_month_columns());
    add("account_events", output::account_event_columns());
    for (const auto& x : output::metrics()) {
      py::dict d;
      d["table"] = "runs", d["name"] = x.name, d["kind"] = "real", d["unit"] = x.unit;
      d["label"] = x.label, d["description"] = x.description;
      out.append(d);
    }
    return out;
  });
  m.def("components", [] {
    py::list out;
    add_components(out, "time", model::time_allocations());
    add_components(out, "service", model::service_styles());
    add_components(out, "pressure", model::pressure_behaviours());
    add_components(out, "promotion", model::promotion_policies());
    add_components(out, "blame", model::blame_rules());
    add_components(out, "order_rule", model::order_rules());
    add_components(out, "network", model::network_generators());
    add_components(out, "market", model::market_models());
    return out;
  });
  m.def("fields", [] {
    py::list out;
    for (const auto& f : scenario::fields()) {
      py::dict d = spec_dict(f.spec);
      d["name"] = f.path;
      out.append(d);
    }
    return out;
  });
  m.def("json_schema", &scenario::json_schema);
  m.def("plugins_of", &scenario::plugins_of, py::arg("path"));
  // The command line, run in this process so that the strategies registered here are known
  // (`tenure.cli`, which the native `tenure` execs for a scenario with plugins).
  m.def(
      "cli_main",
      [](std::vector<std::string> args) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        py::gil_scoped_release nogil;
        return cli::main(static_cast<int>(args.size()), argv.data(), false, true);
      },
      py::arg("args"));
  bind_hooks(m);
  m.def("parse_duration", &scenario::parse_duration, py::arg("text"));
  m.def("parse_rate", &scenario::parse_rate, py::arg("text"));
  m.attr("__version__") = output::version();
}
