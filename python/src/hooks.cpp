// Binds users' own strategies written in Python (docs/extending.md): a registry entry whose
// decide() calls the registered Python function under the GIL, once per manager per decision
// (a few thousand times a replication, never per client or event). Everything else about a
// strategy (when it is asked, what is checked, how the decision is cached) is the engine's.
#include "hooks.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <utility>

#include "tenure/core/error.hpp"
#include "tenure/model/components.hpp"
#include "tenure/model/results.hpp"
#include "tenure/output/columns.hpp"
#include "tenure/output/output.hpp"

namespace py = pybind11;
using namespace tenure;

namespace {

// What the Python function sees: the manager's view, valid only during the call (after it, any
// use says so instead of reading freed memory).
struct PyView {
  const model::ManagerView* v = nullptr;
  const model::ManagerView& get() const {
    if (!v) throw Error("a strategy's view is valid only during the call that received it");
    return *v;
  }
};

// The Python error as the user would see it at a prompt: its traceback, then the exception.
std::string traceback_text(py::error_already_set& e) {
  try {
    const py::object lines = py::module_::import("traceback").attr("format_exception")(e.type(), e.value(), e.trace());
    std::string out;
    for (const auto& l : lines) out += l.cast<std::string>();
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  } catch (...) {
    return e.what();
  }
}

// An engine thread that calls Python keeps its Python thread state from one call to the next
// (made at its first call, released when the thread ends): taking the GIL is then a lock, not
// the creation and destruction of a thread state (which cost more than the call itself).
// Threads that Python made (the caller's) have theirs already and are left alone.
struct ThreadState {
  PyGILState_STATE state;
  PyThreadState* saved;
  ThreadState() : state(PyGILState_Ensure()), saved(PyEval_SaveThread()) {}
  ~ThreadState() {
    if (Py_IsInitialized() == 0) return;
    PyEval_RestoreThread(saved);
    PyGILState_Release(state);
  }
};
void keep_thread_state() {
  if (PyGILState_GetThisThreadState() != nullptr) return;
  thread_local ThreadState kept;
}

// A NumPy Generator of a keyed seed (a user's own draws), and a component's parameters as a dict.
py::object numpy_generator(std::uint64_t seed) {
  const py::module_ np_random = py::module_::import("numpy.random");
  return np_random.attr("Generator")(np_random.attr("Philox")(py::arg("key") = seed));
}

py::dict params_dict(const ParamSet& ps) {
  py::dict d;
  for (const auto& [k, v] : ps.values()) d[py::str(k)] = std::visit([](const auto& x) { return py::cast(x); }, v);
  return d;
}

// The fields each part decides, and the parameter a missing one falls back to.
struct PartFields {
  const char* part;
  std::vector<const char*> fields;
};
const PartFields kTime{"time", {"hunt_share"}};
const PartFields kService{"service", {"answer_probability", "care"}};
const PartFields kPressure{"pressure", {"panics", "urgent_hunt_share", "urgent_answer_factor"}};

std::string all_fields() {
  return "time: hunt_share; service: answer_probability, care; pressure: panics, urgent_hunt_share, urgent_answer_factor";
}

// A Python function and one instance's parameters (a dict, released under the GIL). The
// function is held for the life of the process (registries live to exit, after the interpreter
// may be gone: never released).
class PyFunction {
 public:
  PyFunction(PyObject* fn, std::string name, const ParamSet& ps) : fn_(fn), name_(std::move(name)) {
    keep_thread_state();
    py::gil_scoped_acquire gil;
    params_ = params_dict(ps).release().ptr();
  }
  ~PyFunction() {
    if (Py_IsInitialized() == 0) return;  // at exit: the interpreter has already gone
    keep_thread_state();
    py::gil_scoped_acquire gil;
    Py_XDECREF(params_);
  }
  PyFunction(const PyFunction&) = delete;
  PyFunction& operator=(const PyFunction&) = delete;

 protected:
  py::object fn() const { return py::reinterpret_borrow<py::object>(fn_); }
  py::object params() const { return py::reinterpret_borrow<py::object>(params_); }
  PyObject* fn_;
  std::string name_;
  PyObject* params_ = nullptr;
};

// One manager's instance of a Python strategy part.
class PyPart : PyFunction {
 public:
  PyPart(PyObject* fn, std::string name, const PartFields& part, const ParamSet& ps)
      : PyFunction(fn, std::move(name), ps), part_(part), values_(ps.values()) {}

  // Calls the function and returns what it decided, field by field (a missing field takes the
  // parameter of the same name, if the strategy declares one).
  template <class Apply>
  void decide(const model::ManagerView& v, Apply apply) const {
    keep_thread_state();
    py::gil_scoped_acquire gil;
    try {
      py::object view = py::cast(PyView{&v});
      py::object r;
      try {
        r = fn()(view, params());
      } catch (...) {
        view.cast<PyView&>().v = nullptr;
        throw;
      }
      view.cast<PyView&>().v = nullptr;
      py::dict got;
      if (py::isinstance<py::dict>(r)) {
        got = r.cast<py::dict>();
      } else if (part_.fields.size() == 1 && (py::isinstance<py::float_>(r) || py::isinstance<py::int_>(r))) {
        got[py::str(part_.fields[0])] = r;
      } else {
        throw Error(what() + " returned " + py::repr(r).cast<std::string>() + ": expected a dict of " + fields_text() +
                    (part_.fields.size() == 1 ? " (or a number)" : ""));
      }
      for (const auto& [k, val] : got) {
        const std::string key = py::str(k).cast<std::string>();
        bool ours = false;
        for (const char* f : part_.fields) ours |= key == f;
        if (!ours)
          throw Error(what() + " decided '" + key + "': a " + part_.part + " strategy decides " + fields_text() +
                      " (" + all_fields() + ")");
      }
      for (const char* f : part_.fields) {
        if (got.contains(f)) {
          const py::handle x = got[f];
          if (std::string(f) == "panics") {
            if (!py::isinstance<py::bool_>(x)) throw Error(what() + " decided panics = " + py::repr(x).cast<std::string>() + ": expected True or False");
            apply(f, x.cast<bool>() ? 1.0 : 0.0);
          } else {
            if (!py::isinstance<py::float_>(x) && !py::isinstance<py::int_>(x))
              throw Error(what() + " decided " + f + " = " + py::repr(x).cast<std::string>() + ": expected a number");
            apply(f, x.cast<double>());
          }
        } else if (const auto it = values_.find(f); it != values_.end()) {
          apply(f, number(it->second));
        } else {
          throw Error(what() + " did not decide " + f + " and declares no parameter of that name: return it, "
                      "or declare it (" + fields_text() + ")");
        }
      }
    } catch (py::error_already_set& e) {
      throw Error("in Python, " + what() + ":\n" + traceback_text(e));
    }
  }
  double param(const char* name, double otherwise) const {
    const auto it = values_.find(name);
    return it == values_.end() ? otherwise : number(it->second);
  }

 private:
  static double number(const ParamValue& v) {
    if (const auto* d = std::get_if<double>(&v)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    if (const auto* b = std::get_if<bool>(&v)) return *b ? 1.0 : 0.0;
    return 0.0;
  }
  std::string what() const { return std::string(part_.part) + " strategy '" + name_ + "'"; }
  std::string fields_text() const {
    std::string s;
    for (const char* f : part_.fields) s += (s.empty() ? "" : ", ") + std::string(f);
    return s;
  }
  const PartFields& part_;
  std::map<std::string, ParamValue> values_;
};

struct PyTime final : model::TimeAllocation, PyPart {
  using PyPart::PyPart;
  double hunt_share() const override { return param("hunt_share", 0.5); }
  void decide(const model::ManagerView& v, model::Decision& d) const override {
    PyPart::decide(v, [&](std::string_view, double x) { d.hunt_share = x; });
  }
};
struct PyService final : model::ServiceStyle, PyPart {
  using PyPart::PyPart;
  double answer_probability() const override { return param("answer_probability", 1.0); }
  double care() const override { return param("care", 1.0); }
  void decide(const model::ManagerView& v, model::Decision& d) const override {
    PyPart::decide(v, [&](std::string_view f, double x) { (f == "care" ? d.care : d.answer_probability) = x; });
  }
};
// The price of a rushed deal, the fit and the going dark are the parameters of those names
// (0 when not declared): constants of the behaviour, as the built-in ones are.
struct PyPressure final : model::PressureBehaviour, PyPart {
  using PyPart::PyPart;
  bool panics() const override { return param("panics", 0.0) != 0; }
  double urgent_hunt_share() const override { return param("urgent_hunt_share", 0.5); }
  double urgent_answer_factor() const override { return param("urgent_answer_factor", 1.0); }
  double rush_discount() const override { return param("rush_discount", 0.0); }
  double rush_fit_penalty() const override { return param("rush_fit_penalty", 0.0); }
  double go_dark_penalty() const override { return param("go_dark_penalty", 0.0); }
  void decide(const model::ManagerView& v, model::Decision& d) const override {
    PyPart::decide(v, [&](std::string_view f, double x) {
      if (f == "panics") d.panics = x != 0;
      else if (f == "urgent_hunt_share") d.urgent_hunt_share = x;
      else d.urgent_answer_factor = x;
    });
  }
};

// A promotion policy written in Python: fn(candidates, params, rng) -> index, where the
// candidates are columns (NumPy arrays, in manager id order) and rng a NumPy Generator seeded
// from the promotion's own keyed stream. Called once per vacancy filled by promotion.
class PyPolicy final : public model::PromotionPolicy, PyFunction {
 public:
  using PyFunction::PyFunction;

  std::size_t choose(std::span<const model::CandidateRecord> c, std::uint64_t round, core::Stream& rng) const override {
    const std::uint64_t seed = rng();
    keep_thread_state();
    py::gil_scoped_acquire gil;
    try {
      const auto n = static_cast<py::ssize_t>(c.size());
      py::array_t<std::int64_t> manager(n);
      py::array_t<double> nb(n), kept(n), book(n), comp(n), managing(n);
      for (py::ssize_t i = 0; i < n; ++i) {
        const auto& r = c[static_cast<std::size_t>(i)];
        manager.mutable_at(i) = r.manager, nb.mutable_at(i) = r.new_business, kept.mutable_at(i) = r.retained_value;
        book.mutable_at(i) = r.total_value, comp.mutable_at(i) = r.competence, managing.mutable_at(i) = r.managing;
      }
      py::dict cands;
      cands["manager"] = manager, cands["new_business"] = nb, cands["retained_value"] = kept;
      cands["book_value"] = book, cands["competence"] = comp, cands["managing_skill"] = managing;
      cands["round"] = round;
      const py::object r =
          fn()(cands, params(), numpy_generator(seed));
      if (py::isinstance<py::bool_>(r) || !(py::isinstance<py::int_>(r) || py::hasattr(r, "__index__")))
        throw Error("promotion policy '" + name_ + "' returned " + py::repr(r).cast<std::string>() +
                    ": expected the index of a candidate, 0 to " + std::to_string(c.size() - 1));
      const auto pick = py::reinterpret_steal<py::object>(PyNumber_Index(r.ptr()));
      if (!pick) throw py::error_already_set();
      const long long k = pick.cast<long long>();
      if (k < 0 || static_cast<std::size_t>(k) >= c.size())
        throw Error("promotion policy '" + name_ + "' returned " + std::to_string(k) + ": expected the index of a candidate, 0 to " +
                    std::to_string(c.size() - 1));
      return static_cast<std::size_t>(k);
    } catch (py::error_already_set& e) {
      throw Error("in Python, promotion policy '" + name_ + "':\n" + traceback_text(e));
    }
  }

};

ParamSpec spec_of(const py::dict& d);

// What a blame rule or an order rule sees of the organisation, valid only during the call that
// received it. A blame rule's handle reads; an order rule's also acts (`actions`).
struct PyOrganisation {
  const model::OrganisationView* view = nullptr;
  model::OrganisationActions* actions = nullptr;
  const char* who = "";  // "blame rule" or "order rule": for messages
  const model::OrganisationView& get() const {
    if (!view) throw Error(std::string("a ") + who + "'s organisation is valid only during the call that received it");
    return *view;
  }
  model::OrganisationActions& act() const {
    get();
    if (!actions) throw Error(std::string("a ") + who + " reads the organisation; only an order rule acts on it");
    return *actions;
  }
  // The managers as columns, by id (departed ones included, `active` False).
  py::dict managers() const {
    const auto& v = get();
    const auto n = static_cast<py::ssize_t>(v.manager_count());
    py::array_t<std::int64_t> id(n), level(n), size(n);
    py::array_t<bool> active(n);
    py::array_t<double> value(n), year(n), quarter(n), comp(n), blamed(n);
    py::list names;
    for (py::ssize_t k = 0; k < n; ++k) {
      const auto i = static_cast<std::size_t>(k);
      id.mutable_at(k) = k, level.mutable_at(k) = v.level(i), size.mutable_at(k) = v.book_size(i);
      active.mutable_at(k) = v.active(i), value.mutable_at(k) = v.book_value(i);
      year.mutable_at(k) = v.year_new_business(i), quarter.mutable_at(k) = v.quarter_new_business(i);
      comp.mutable_at(k) = v.competence(i), blamed.mutable_at(k) = v.blamed_value(i);
      names.append(py::str(v.name(i)));
    }
    py::dict d;
    d["manager"] = id, d["name"] = names, d["active"] = active, d["level"] = level, d["book_size"] = size;
    d["book_value"] = value, d["year_new_business"] = year, d["quarter_new_business"] = quarter;
    d["competence"] = comp, d["blamed_value"] = blamed;
    return d;
  }
};

// Calls fn with a handle to the organisation, which expires when the call returns.
template <class Call>
py::object with_organisation(PyOrganisation handle, Call call) {
  py::object org = py::cast(handle);
  struct Expire {
    py::object& o;
    ~Expire() {
      auto& h = o.cast<PyOrganisation&>();
      h.view = nullptr, h.actions = nullptr;
    }
  } expire{org};
  return call(org);
}

// A blame rule written in Python: fn(lost, org, params, rng) -> a manager's id, or None (or -1)
// for nobody. Called once per lost account.
class PyBlame final : public model::BlameRule, PyFunction {
 public:
  using PyFunction::PyFunction;

  std::int64_t blame(const model::LostRecord& lost, const model::OrganisationView& v, core::Stream& rng) const override {
    const std::uint64_t seed = rng();
    keep_thread_state();
    py::gil_scoped_acquire gil;
    try {
      py::list causes;
      for (int c = 0; c < model::kCauseCount; ++c)
        if (lost.causes & (1u << c)) causes.append(py::str(model::to_string(static_cast<model::Cause>(c))));
      py::dict l;
      l["account"] = lost.account, l["value"] = lost.value, l["causes"] = causes, l["owner"] = lost.owner, l["day"] = v.day();
      const py::object r = with_organisation(PyOrganisation{&v, nullptr, "blame rule"}, [&](py::object& org) {
        return fn()(l, org, params(), numpy_generator(seed));
      });
      if (r.is_none()) return -1;
      if (py::isinstance<py::bool_>(r) || !(py::isinstance<py::int_>(r) || py::hasattr(r, "__index__")))
        throw Error("blame rule '" + name_ + "' returned " + py::repr(r).cast<std::string>() +
                    ": expected a manager's id, or None (or -1) for nobody");
      const auto who = py::reinterpret_steal<py::object>(PyNumber_Index(r.ptr()));
      if (!who) throw py::error_already_set();
      return who.cast<std::int64_t>();
    } catch (py::error_already_set& e) {
      throw Error("in Python, blame rule '" + name_ + "':\n" + traceback_text(e));
    }
  }

};

// An order rule written in Python: fn(org, params) at the order's day (and every `every`),
// acting through the handle; what it returns is ignored.
class PyOrder final : public model::OrderRule, PyFunction {
 public:
  using PyFunction::PyFunction;

  void apply(model::OrganisationActions& a) const override {
    keep_thread_state();
    py::gil_scoped_acquire gil;
    try {
      with_organisation(PyOrganisation{&a, &a, "order rule"}, [&](py::object& org) {
        return fn()(org, params());
      });
    } catch (py::error_already_set& e) {
      throw Error("in Python, order rule '" + name_ + "':\n" + traceback_text(e));
    }
  }

};

// A registry entry whose instances call a Python function (policies, blame rules, order rules).
template <class Product, class Registry, class Made>
typename Registry::Entry rule_entry(const std::string& name, const std::string& description, const py::list& params,
                                    const py::function& fn) {
  typename Registry::Entry e;
  e.name = name;
  e.description = description;
  for (const auto& p : params) e.params.push_back(spec_of(p.cast<py::dict>()));
  PyObject* f = fn.ptr();
  Py_INCREF(f);  // held to the end of the process, as the registry is
  e.factory = [f, name](const ParamSet& ps) -> std::unique_ptr<Product> { return std::make_unique<Made>(f, name, ps); };
  return e;
}

// A replication's table as columns: {name: NumPy array (numbers) or list (text)}.
template <class Row>
py::dict columns_of(const std::vector<output::ColumnSpec<Row>>& specs, const std::vector<Row>& rows,
                    const model::RunResult& run) {
  py::dict out;
  for (const auto& c : specs) {
    if (c.kind == output::Column::Kind::Text) {
      py::list xs;
      for (const auto& r : rows) {
        const output::Cell v = c.get(r, run);
        xs.append(std::holds_alternative<std::string>(v) ? py::str(std::get<std::string>(v)) : py::str(""));
      }
      out[py::str(c.name)] = xs;
    } else {
      py::array_t<double> xs(static_cast<py::ssize_t>(rows.size()));
      for (std::size_t i = 0; i < rows.size(); ++i) xs.mutable_at(static_cast<py::ssize_t>(i)) = c.number(rows[i], run);
      out[py::str(c.name)] = xs;
    }
  }
  return out;
}

// A measure written in Python: fn(timeseries, managers) -> number, given one replication's
// tables as columns. The engine calls it wherever it reads a metric (runs table, summary,
// comparisons), under the GIL.
double call_measure(PyObject* fn, const std::string& name, const model::RunResult& run) {
  keep_thread_state();
  py::gil_scoped_acquire gil;
  try {
    const py::object r = py::reinterpret_borrow<py::object>(fn)(columns_of(output::month_columns(), run.months, run),
                                                               columns_of(output::manager_columns(), run.managers, run));
    if (py::isinstance<py::bool_>(r) || !(py::isinstance<py::float_>(r) || py::isinstance<py::int_>(r) || py::hasattr(r, "__float__")))
      throw Error("measure '" + name + "' returned " + py::repr(r).cast<std::string>() + ": expected a number");
    return r.cast<double>();
  } catch (py::error_already_set& e) {
    throw Error("in Python, measure '" + name + "':\n" + traceback_text(e));
  }
}

// A parameter declared in Python: {name, type: real|int|bool|choice, default, min, max, unit,
// description, choices}.
ParamSpec spec_of(const py::dict& d) {
  const auto name = d["name"].cast<std::string>();
  const auto type = d["type"].cast<std::string>();
  const auto description = d.contains("description") ? d["description"].cast<std::string>() : std::string();
  auto opt = [&](const char* k) -> std::optional<double> {
    if (!d.contains(k) || d[k].is_none()) return std::nullopt;
    return d[k].cast<double>();
  };
  if (type == "real")
    return real_param(name, d["default"].cast<double>(), d.contains("unit") ? d["unit"].cast<std::string>() : "", description,
                      opt("min"), opt("max"));
  if (type == "int") return int_param(name, d["default"].cast<std::int64_t>(), description, opt("min"), opt("max"));
  if (type == "bool") return bool_param(name, d["default"].cast<bool>(), description);
  if (type == "choice")
    return choice_param(name, d["default"].cast<std::string>(), d["choices"].cast<std::vector<std::string>>(), description);
  throw Error("parameter " + name + ": type '" + type + "' is not one of real, int, bool, choice");
}

template <class Part, class Entry>
Entry entry_of(const std::string& name, const std::string& description, const py::list& params, const py::function& fn,
               const PartFields& fields) {
  Entry e;
  e.name = name;
  e.description = description;
  for (const auto& p : params) e.params.push_back(spec_of(p.cast<py::dict>()));
  PyObject* f = fn.ptr();
  Py_INCREF(f);  // held to the end of the process, as the registry is
  e.factory = [f, name, &fields](const ParamSet& ps) { return std::make_unique<Part>(f, name, fields, ps); };
  return e;
}

}  // namespace

void bind_hooks(py::module_& m) {
  py::class_<PyView>(m, "ManagerView", "What a strategy may read about its manager, during the call that received it.")
      .def_property_readonly("moment", [](const PyView& v) { return std::string(model::to_string(v.get().moment())); },
                             "when the strategy is asked: month, urgency, quarter_end or review")
      .def_property_readonly("day", [](const PyView& v) { return v.get().day(); })
      .def_property_readonly("name", [](const PyView& v) { return v.get().name(); })
      .def_property_readonly("level", [](const PyView& v) { return v.get().level(); })
      .def_property_readonly("quarter_new_business", [](const PyView& v) { return v.get().quarter_new_business(); })
      .def_property_readonly("quota", [](const PyView& v) { return v.get().quota(); })
      .def_property_readonly("year_new_business", [](const PyView& v) { return v.get().year_new_business(); })
      .def_property_readonly("book_size", [](const PyView& v) { return v.get().book_size(); })
      .def_property_readonly("book_value", [](const PyView& v) { return v.get().book_value(); })
      .def_property_readonly("book_satisfaction", [](const PyView& v) { return v.get().book_satisfaction(); })
      .def_property_readonly("open_requests", [](const PyView& v) { return v.get().open_requests(); })
      .def_property_readonly("late_requests", [](const PyView& v) { return v.get().late_requests(); })
      .def_property_readonly("abandoned_requests", [](const PyView& v) { return v.get().abandoned_requests(); })
      .def_property_readonly("days_to_review", [](const PyView& v) { return v.get().days_to_review(); })
      .def_property_readonly("promotions", [](const PyView& v) { return v.get().promotions(); })
      .def_property_readonly("passed_over", [](const PyView& v) { return v.get().passed_over(); })
      .def_property_readonly("market_regime", [](const PyView& v) { return v.get().market_regime(); })
      .def_property_readonly("review_rank", [](const PyView& v) { return v.get().review_rank(); },
                             "where the manager stood at the last review among its level by the promotion rule's score "
                             "(0 lowest, 1 highest; NaN before the first review or under random/alternating)")
      .def_property_readonly("rewarded_share", [](const PyView& v) { return v.get().rewarded_share(); },
                             "the hunt share of the manager the promotion rule scored highest at this level at the last "
                             "review (NaN as review_rank)")
      .def("random_key", [](const PyView& v, std::uint64_t key) { return v.get().random_key(key); }, py::arg("key") = 0,
           "a 64-bit seed keyed by run, replication, manager, day, moment and `key`")
      .def(
          "random",
          [](const PyView& v, std::uint64_t key) { return numpy_generator(v.get().random_key(key)); },
          py::arg("key") = 0,
          "a NumPy Generator of this manager's own draws at this decision, keyed by `key` (common random numbers hold)")
      .def("__repr__", [](const PyView& v) {
        if (!v.v) return std::string("<ManagerView, expired>");
        return "<ManagerView of " + v.v->name() + " at day " + std::to_string(v.v->day()) + " (" +
               model::to_string(v.v->moment()) + ")>";
      });
  m.def(
      "register_measure",
      [](const std::string& name, const std::string& unit, const std::string& label, const std::string& description,
         const py::function& fn, bool replace) {
        PyObject* f = fn.ptr();
        Py_INCREF(f);  // held to the end of the process, as the list of metrics is
        output::register_metric({name, [f, name](const model::RunResult& r) { return call_measure(f, name, r); }, unit,
                                 label.empty() ? name : label, description},
                                replace);
      },
      py::arg("name"), py::arg("unit"), py::arg("label"), py::arg("description"), py::arg("fn"), py::arg("replace") = false);
  m.def("unregister_measure", &output::unregister_metric, py::arg("name"));
  py::class_<PyOrganisation>(m, "Organisation",
                             "The organisation as a blame rule or an order rule sees it, during the call that received it.")
      .def_property_readonly("day", [](const PyOrganisation& o) { return o.get().day(); })
      .def_property_readonly("market_regime", [](const PyOrganisation& o) { return o.get().market_regime(); })
      .def_property_readonly("managers", &PyOrganisation::managers,
                             "the managers as columns by id (NumPy arrays; name a list): manager, name, active, level, "
                             "book_size, book_value, year_new_business, quarter_new_business, competence, blamed_value")
      .def_property_readonly("support_staff", [](const PyOrganisation& o) { return o.act().support_staff(); },
                             "support on duty, in full-time equivalents (order rules)")
      .def_property_readonly("support_hired", [](const PyOrganisation& o) { return o.act().support_hired(); },
                             "service.support_staff: the support restore_support() gives back (order rules)")
      .def_property_readonly("clients", [](const PyOrganisation& o) { return o.act().clients(); }, "clients served now (order rules)")
      .def_property_readonly("largest_client", [](const PyOrganisation& o) { return o.act().largest_client(); },
                             "the id of the largest client served now, -1 if none (order rules)")
      .def("random_key", [](const PyOrganisation& o, std::uint64_t key) { return o.act().random_key(key); }, py::arg("key") = 0)
      .def("random", [](const PyOrganisation& o, std::uint64_t key) { return numpy_generator(o.act().random_key(key)); },
           py::arg("key") = 0, "a NumPy Generator keyed by run, replication, order, day and `key` (order rules)")
      .def("cut_support", [](const PyOrganisation& o, double f) { o.act().cut_support(f); }, py::arg("fraction"),
           "cut the support on duty by this share (0 to 1)")
      .def("restore_support", [](const PyOrganisation& o) { o.act().restore_support(); }, "support back to service.support_staff")
      .def("reassign_book", [](const PyOrganisation& o, std::int64_t i) { o.act().reassign_book(i); }, py::arg("manager"),
           "hand this manager's book to the others, client by client, to the one with the fewest")
      .def("no_contact", [](const PyOrganisation& o, std::int64_t a) { o.act().no_contact(a); }, py::arg("account") = -1,
           "forbid contact with a client (-1: the largest)")
      .def("lift_no_contact", [](const PyOrganisation& o, std::int64_t a) { o.act().lift_no_contact(a); }, py::arg("account") = -1)
      .def("recovery_meeting", [](const PyOrganisation& o, std::int64_t a) { o.act().recovery_meeting(a); }, py::arg("account") = -1,
           "a recovery meeting with a client: a promise (-1: the largest)")
      .def("__repr__", [](const PyOrganisation& o) {
        if (!o.view) return std::string("<Organisation, expired>");
        return "<Organisation at day " + std::to_string(o.view->day()) + ">";
      });
  m.def(
      "register_blame_rule",
      [](const std::string& name, const std::string& description, const py::list& params, const py::function& fn, bool replace) {
        model::register_blame_rule(rule_entry<model::BlameRule, model::BlameRegistry, PyBlame>(name, description, params, fn), replace);
      },
      py::arg("name"), py::arg("description"), py::arg("params"), py::arg("fn"), py::arg("replace") = false);
  m.def(
      "register_order_rule",
      [](const std::string& name, const std::string& description, const py::list& params, const py::function& fn, bool replace) {
        model::register_order_rule(rule_entry<model::OrderRule, model::OrderRuleRegistry, PyOrder>(name, description, params, fn), replace);
      },
      py::arg("name"), py::arg("description"), py::arg("params"), py::arg("fn"), py::arg("replace") = false);
  m.def(
      "register_policy",
      [](const std::string& name, const std::string& description, const py::list& params, const py::function& fn, bool replace) {
        model::register_promotion_policy(rule_entry<model::PromotionPolicy, model::PolicyRegistry, PyPolicy>(name, description, params, fn),
                                         replace);
      },
      py::arg("name"), py::arg("description"), py::arg("params"), py::arg("fn"), py::arg("replace") = false);
  m.def(
      "register_strategy",
      [](const std::string& part, const std::string& name, const std::string& description, const py::list& params,
         const py::function& fn, bool replace) {
        if (part == "time")
          model::register_time_allocation(entry_of<PyTime, model::TimeRegistry::Entry>(name, description, params, fn, kTime), replace);
        else if (part == "service")
          model::register_service_style(entry_of<PyService, model::ServiceRegistry::Entry>(name, description, params, fn, kService),
                                        replace);
        else if (part == "pressure")
          model::register_pressure_behaviour(
              entry_of<PyPressure, model::PressureRegistry::Entry>(name, description, params, fn, kPressure), replace);
        else
          throw Error("a strategy's part is time, service or pressure, not '" + part + "'");
      },
      py::arg("part"), py::arg("name"), py::arg("description"), py::arg("params"), py::arg("fn"), py::arg("replace") = false);
}
