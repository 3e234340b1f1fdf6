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

// Calls fn(begin, end) on `threads` threads over [0, n); rethrows the first failure.
inline void ParallelFor(std::size_t n, int threads, const std::function<void(std::size_t, std::size_t)>& fn) {
  const std::size_t nThreads = std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), n));
  if (nThreads <= 1) {
    if (n > 0) fn(0, n);
    return;
  }
  std::exception_ptr failure;
  std::mutex failureMutex;
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < nThreads; ++t) {
    const std::size_t begin = n * t / nThreads, end = n * (t + 1) / nThreads;
    pool.emplace_back([&, begin, end] {
      try {
        fn(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failureMutex);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace contimg
