#pragma once

#include <napi.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace contimg {

// Runs `work` on the libuv pool and settles a promise: with `done(env)` on success, or rejects
// with the exception's message prefixed by `prefix`. `keep` holds JS values (typed arrays the
// work reads) alive until the worker finishes.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name, std::string prefix, std::function<void()> work,
                  std::function<Napi::Value(Napi::Env)> done, Napi::Object keep)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        prefix_(std::move(prefix)),
        work_(std::move(work)),
        done_(std::move(done)) {
    keep_ = Napi::Persistent(keep);
  }

  static Napi::Promise Start(Napi::Env env, const char* name, std::string prefix, std::function<void()> work,
                             std::function<Napi::Value(Napi::Env)> done, Napi::Object keep) {
    auto* worker = new PromiseWorker(env, name, std::move(prefix), std::move(work), std::move(done), keep);
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::exception& e) {
      err_ = e.what();
    }
  }
  void OnOK() override {
    if (err_) {
      deferred_.Reject(Napi::Error::New(Env(), prefix_ + *err_).Value());
      return;
    }
    try {
      deferred_.Resolve(done_(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string prefix_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  Napi::ObjectReference keep_;
  std::optional<std::string> err_;
};

// Runs body(t) for t in [0, count) on `count` threads; rethrows the first failure.
inline void OnThreads(std::size_t count, const std::function<void(std::size_t)>& body) {
  std::exception_ptr failure;
  std::mutex failureMutex;
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < count; ++t) {
    pool.emplace_back([&, t] {
      try {
        body(t);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failureMutex);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

inline std::size_t ThreadsFor(std::size_t n, int threads) {
  return std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), n));
}

// Calls fn(begin, end) on `threads` threads over [0, n), one equal range each.
inline void ParallelFor(std::size_t n, int threads, const std::function<void(std::size_t, std::size_t)>& fn) {
  const std::size_t nThreads = ThreadsFor(n, threads);
  if (nThreads <= 1) {
    if (n > 0) fn(0, n);
    return;
  }
  OnThreads(nThreads, [&](std::size_t t) { fn(n * t / nThreads, n * (t + 1) / nThreads); });
}

// Calls fn(i) for every i in [0, n), each thread taking the next index when it is free: for items
// of very unequal cost, which equal ranges would leave to one thread.
inline void ParallelForEach(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  OnThreads(ThreadsFor(n, threads), [&](std::size_t) {
    for (std::size_t i = next++; i < n; i = next++) fn(i);
  });
}

}  // namespace contimg
