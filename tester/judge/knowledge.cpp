#include "judge/knowledge.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace authdiff::judge {

namespace {

// Same status and, for JSON objects, the same top-level members with the same scalar values.
bool same_shape(const Observation& a, const Observation& b) {
  if (a.status != b.status) return false;
  if (a.json && b.json) {
    if (a.doc.type() != b.doc.type()) return false;
    if (!a.doc.is_object()) return a.whole_hash() == b.whole_hash();
    if (a.doc.size() != b.doc.size()) return false;
    for (const auto& [key, value] : a.doc.items()) {
      const auto other = b.doc.find(key);
      if (other == b.doc.end()) return false;
      if (value.is_primitive() && key != "timestamp" && key != "time" && key != "requestId" &&
          key != "request_id" && key != "traceId" && key != "path" && *other != value) {
        return false;
      }
    }
    return true;
  }
  return !a.json && !b.json && a.body_prefix == b.body_prefix;
}

// Whether `o` is the same answer as `denial` (which carries `denial_values`): the same shape,
// and no specific value the denial does not carry too. (`{"data": []}` to a garbage credential
// and `{"data": [orders]}` share their top-level members, but only the second carries
// anything.) `distinct`: o's distinctive values, when o is slimmed.
bool same_answer(const Observation& denial, const HashSet& denial_values, const Observation& o,
                 const HashSet* distinct = nullptr) {
  if (!same_shape(denial, o)) return false;
  if (distinct != nullptr) {
    return std::all_of(distinct->hashes().begin(), distinct->hashes().end(),
                       [&](std::uint64_t h) { return denial_values.contains_hash(h); });
  }
  bool same = true;
  o.each_leaf([&](const Leaf& l) {
    same = !distinctive(l) || denial_values.contains(l.value);
    return same;
  });
  return same;
}

// Whether `pointer` is below one of `prefixes`.
bool below_any(const std::string& pointer, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& f) {
    return pointer.size() > f.size() && pointer.compare(0, f.size(), f) == 0 &&
           pointer[f.size()] == '/';
  });
}

}  // namespace

Knowledge::Pending Knowledge::first_copy(const plan::Baseline& baseline,
                                         const plan::Response& first,
                                         const std::optional<std::string>& list_pointer,
                                         std::vector<std::string> foreign) const {
  Pending p;
  BaselineView& v = p.view;
  v.foreign = std::move(foreign);
  v.operation = baseline.operation;
  v.identity = baseline.identity;
  v.request = baseline.request;
  p.list_pointer = list_pointer;
  p.method = baseline.request.method;
  // The leaves are visited, never stored as text: a list of 100,000 items has 300,000 of them,
  // kept as 24 bytes each (pointer, value, distinctive) until the second copy is read.
  v.first = observe(first, list_pointer, [&](const Leaf& leaf) {
    p.first.push_back({HashSet::hash(leaf.pointer), HashSet::hash(leaf.value), distinctive(leaf)});
    if (!below_any(leaf.pointer, v.foreign)) v.seen.insert(leaf.value);
    return true;
  });
  v.first.slim();
  v.seen.seal();  // the second copy adds only what it does not hold already
  std::sort(p.first.begin(), p.first.end());
  return p;
}

void Knowledge::second_copy(Pending&& pending, const plan::Response& second) {
  BaselineView v = std::move(pending.view);
  const auto& first = pending.first;
  std::vector<bool> in_second(first.size());  // the first copy's leaves the second has too
  HashSet more_seen;
  observe(second, pending.list_pointer, [&](const Leaf& leaf) {
    const std::uint64_t p = HashSet::hash(leaf.pointer);
    const auto it = std::lower_bound(first.begin(), first.end(), Pending::Hashed{p, 0, false});
    for (auto at = it; at != first.end() && at->pointer == p; ++at)
      in_second[static_cast<std::size_t>(at - first.begin())] = true;
    if (it == first.end() || it->pointer != p || it->value != HashSet::hash(leaf.value))
      v.volatile_pointers.insert_hash(p);
    if (!below_any(leaf.pointer, v.foreign) && !v.seen.contains(leaf.value))
      more_seen.insert(leaf.value);
    return true;
  });
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (!in_second[i]) v.volatile_pointers.insert_hash(first[i].pointer);
  }
  std::vector<bool>().swap(in_second);
  v.volatile_pointers.seal();
  for (const auto& h : first) {
    if (!h.distinctive) continue;
    v.distinct.insert_hash(h.value);
    if (!v.volatile_pointers.contains_hash(h.pointer)) v.values.insert_hash(h.value);
  }
  std::deque<Pending::Hashed>().swap(pending.first);
  v.distinct.seal();
  v.values.seal();
  v.seen.merge(more_seen);
  v.seen.seal();
  const Observation& o = v.first;
  if (o.transport_error) {
    v.problem = "baseline failed: " + o.error;
  } else if (!o.is_2xx()) {
    v.problem = "baseline answered " + std::to_string(o.status) + " to " +
                (v.identity.empty() ? std::string(plan::k_anonymous) : v.identity);
  } else if (o.empty && (pending.method == "GET" || pending.method == "HEAD")) {
    // A write answered 2xx with no body (204) did what was asked: a usable control.
    v.problem = "baseline answered with an empty body: nothing to compare";
  } else if (!o.error_like.empty()) {
    v.problem = "baseline looks like an error (" + o.error_like + ")";
  } else if (pending.list_pointer && o.items && *o.items == 0) {
    v.problem = "baseline list is empty: nothing to compare";
  }
  m_index[{v.operation, v.identity}] = m_baselines.size();
  m_baselines.push_back(std::move(v));
}

void Knowledge::add_baseline(const plan::Baseline& baseline, const plan::Response& first,
                             const plan::Response& second,
                             const std::optional<std::string>& list_pointer,
                             std::vector<std::string> foreign) {
  second_copy(first_copy(baseline, first, list_pointer, std::move(foreign)), second);
}

void Knowledge::add_denied(std::size_t operation, const plan::Response& response) {
  HashSet values;
  Denial d{observe(response, std::nullopt,
                   [&](const Leaf& leaf) {
                     values.insert(leaf.value);
                     return true;
                   }),
           std::move(values), nullptr};
  d.values.seal();
  if (d.answer.streamed) {
    // Read again by finish(), after `response` is gone: its own copy of the body.
    d.body = std::make_shared<const std::string>(response.body);
    d.answer.source = d.body.get();
  }
  m_denied[operation] = std::move(d);
}

void Knowledge::finish() {
  m_seen.clear();
  m_public = HashSet();
  m_open.clear();
  // What a caller saw legitimately: its answers, less what a leak put in them (items of a list
  // that belong to others); data that reached it through a leak does not excuse the next one.
  for (const auto& b : m_baselines)
    (b.identity.empty() ? m_public : m_seen[b.identity]).merge(b.seen);
  m_public.seal();
  for (auto& [name, values] : m_seen) values.seal();
  // A denied fingerprint that carries an allowed caller's data is no denial: forget it. Only
  // then do the answers to garbage credentials count as what anyone sees.
  for (auto it = m_denied.begin(); it != m_denied.end();) {
    bool leaks = false;
    for (const auto* b : baselines(it->first)) {
      if (!b->identity.empty() &&
          leak_verdict(*this, *b, it->second.answer, "").state == State::bypassed) {
        leaks = true;
      }
    }
    if (leaks) m_open.insert(it->first);
    it = leaks ? m_denied.erase(it) : std::next(it);
  }
  for (auto& [op, d] : m_denied) {
    m_public.merge(d.values);
    d.answer.slim();
    d.body.reset();
  }
  m_public.seal();
  // Never green when blind: an allowed caller's answer that is the same as the denial (a web
  // front end's page for every path, `{}` for everything) cannot show whether a probe got in.
  for (auto& b : m_baselines) {
    const auto d = m_denied.find(b.operation);
    if (b.usable() && !b.identity.empty() && d != m_denied.end() &&
        same_answer(d->second.answer, d->second.values, b.first, &b.distinct))
      b.problem = "the allowed caller's answer (" + std::to_string(b.first.status) +
                  ") is the same as the answer to a garbage credential: access cannot be told "
                  "from denial here";
  }
}

const BaselineView* Knowledge::first_baseline(std::size_t operation) const {
  const auto it = m_index.lower_bound({operation, std::string()});
  if (it == m_index.end() || it->first.first != operation) return nullptr;
  return &m_baselines[it->second];
}

const BaselineView* Knowledge::baseline(std::size_t operation, const std::string& identity) const {
  const auto it = m_index.find({operation, identity});
  return it == m_index.end() ? nullptr : &m_baselines[it->second];
}

std::vector<const BaselineView*> Knowledge::baselines(std::size_t operation) const {
  std::vector<const BaselineView*> out;
  for (const auto& b : m_baselines) {
    if (b.operation == operation) out.push_back(&b);
  }
  return out;
}

bool Knowledge::seen_by(const std::string& identity, const std::string& value) const {
  if (m_public.contains(value)) return true;
  if (identity.empty()) return false;
  const auto it = m_seen.find(identity);
  return it != m_seen.end() && it->second.contains(value);
}

bool Knowledge::looks_denied(std::size_t operation, const Observation& o, std::string* why) const {
  const auto say = [&](std::string text) {
    if (why != nullptr) *why = std::move(text);
    return true;
  };
  if (o.status >= 300 && o.status < 400)
    return say("redirected (" + std::to_string(o.status) + ")");
  if (o.status >= 400 && o.status < 500) return say("denied with " + std::to_string(o.status));
  if (o.is_2xx() && !o.error_like.empty()) {
    return say(std::to_string(o.status) + " with an error in the body (" + o.error_like + ")");
  }
  // An empty 2xx denies a read; a write (204 No Content) it completes.
  const auto write = [&] {
    const auto* b = first_baseline(operation);
    const std::string method = b == nullptr ? "" : b->request.method;
    return !method.empty() && spec::is_unsafe_method(method);
  };
  if (o.is_2xx() && o.empty && !write())
    return say(std::to_string(o.status) + " with an empty body");
  const auto it = m_denied.find(operation);
  if (o.is_2xx() && it != m_denied.end() && same_answer(it->second.answer, it->second.values, o)) {
    return say(std::to_string(o.status) + " matching the answer to a garbage credential");
  }
  return false;
}

Verdict leak_verdict(const Knowledge& k, const BaselineView& victim, const Observation& probe,
                     const std::string& prober) {
  Verdict v;
  probe.each_leaf([&](const Leaf& leaf) {
    if (!distinctive(leaf) || !victim.values.contains(leaf.value)) return true;
    if (victim.volatile_pointers.contains(leaf.pointer)) return true;
    if (k.seen_by(prober, leaf.value)) return true;
    ++v.leaked;
    if (v.evidence.size() < k_max_evidence) v.evidence.push_back({leaf.pointer, mask(leaf.value)});
    return true;
  });
  const std::string who =
      victim.identity.empty() ? std::string(plan::k_anonymous) : victim.identity;
  if (v.leaked == 0 && victim.values.empty()) {
    // Nothing in the allowed answer could show up in another: a 2xx proves neither way.
    v.state = State::inconclusive;
    v.reason = std::to_string(probe.status) + ", but " + who +
               "'s answer carries no value specific enough to tell whether this one leaked it";
    return v;
  }
  if (v.leaked > 0) {
    v.state = State::bypassed;
    v.reason = std::to_string(probe.status) + " with " + std::to_string(v.leaked) + " value" +
               (v.leaked == 1 ? "" : "s") + " from " + who + "'s response that " +
               (prober.empty() ? std::string("an anonymous caller") : prober) + " never saw";
  } else {
    v.state = State::enforced;
    v.reason = std::to_string(probe.status) + " without any of " + who + "'s data";
  }
  return v;
}

std::optional<Verdict> access_outcome(const Knowledge& k, std::size_t operation,
                                      const Observation& probe, const BaselineView* victim,
                                      bool only_counts) {
  if (victim == nullptr) return inconclusive("no identity could make a baseline request");
  if (!victim->usable()) return inconclusive(victim->problem);
  if (probe.transport_error) return inconclusive("no answer: " + probe.error);
  if (probe.status >= 500) return inconclusive("server error " + std::to_string(probe.status));
  std::string why;
  if (k.looks_denied(operation, probe, &why)) return enforced(why);
  if (!probe.is_2xx()) return inconclusive("unexpected status " + std::to_string(probe.status));
  if (probe.truncated && !probe.json && !(only_counts && probe.counted_whole)) {
    return inconclusive("body longer than the cap (" + std::to_string(probe.body_bytes) +
                        " bytes read)");
  }
  return std::nullopt;
}

}  // namespace authdiff::judge
