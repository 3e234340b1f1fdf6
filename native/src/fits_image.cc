#include "fits_image.h"

#include <fitsio.h>

#include "async_worker.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace contimg {
namespace {

// cfitsio's error-message stack is one per process: serialise so a failure reports its own messages.
std::mutex& FitsMutex() {
  static std::mutex mutex;
  return mutex;
}

// One header card: a keyword with a string, number or logical value, or a commentary card (no value).
struct Card {
  std::string name;
  std::variant<std::monostate, std::string, double, bool> value;
  std::string comment;
};

struct Image {
  std::vector<Card> cards;
  std::string headerText;  // the header as 80-character records, as wcslib's wcspih() takes it
  std::vector<long> shape;  // FITS axis order (NAXIS1 first, fastest varying)
  std::vector<float> data;
};

class FitsFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws with cfitsio's own message for a non-zero status, naming the file.
void Check(int status, const std::string& path) {
  if (status == 0) return;
  char text[FLEN_STATUS];
  fits_get_errstatus(status, text);
  std::string message = "cfitsio: " + path + ": " + text;
  char detail[FLEN_ERRMSG];
  while (fits_read_errmsg(detail) != 0) message += "; " + std::string(detail);
  throw FitsFailure(message);
}

// Closes the file on every path out; a close error after a failure is not the interesting one.
class FitsFile {
 public:
  FitsFile(const std::string& path, int mode, bool create) : path_(path) {
    int status = 0;
    if (create) {
      fits_create_file(&fptr_, ("!" + path).c_str(), &status);  // '!' replaces an existing file
    } else {
      fits_open_file(&fptr_, path.c_str(), mode, &status);
    }
    Check(status, path);
  }
  ~FitsFile() {
    if (fptr_ != nullptr) {
      int status = 0;
      fits_close_file(fptr_, &status);
    }
  }
  FitsFile(const FitsFile&) = delete;
  FitsFile& operator=(const FitsFile&) = delete;

  void Close() {
    int status = 0;
    fits_close_file(fptr_, &status);
    fptr_ = nullptr;
    Check(status, path_);
  }
  fitsfile* get() const { return fptr_; }
  const std::string& path() const { return path_; }

 private:
  fitsfile* fptr_ = nullptr;
  std::string path_;
};

void MoveToHdu(const FitsFile& file, int hdu) {
  int status = 0;
  fits_movabs_hdu(file.get(), hdu + 1, nullptr, &status);
  Check(status, file.path());
}

Card ParseCard(const FitsFile& file, const char* name, const char* value, const char* comment) {
  Card card{name, std::monostate{}, comment};
  if (value[0] == '\0') return card;
  char type = 0;
  int status = 0;
  fits_get_keytype(value, &type, &status);
  Check(status, file.path());
  if (type == 'C') {
    char text[FLEN_VALUE];
    fits_read_key(file.get(), TSTRING, name, text, nullptr, &status);  // cfitsio undoes the quoting
    Check(status, file.path());
    std::string s(text);
    s.erase(s.find_last_not_of(' ') + 1);  // trailing blanks are not significant in FITS strings
    card.value = s;
  } else if (type == 'L') {
    card.value = value[0] == 'T';
  } else if (type == 'I' || type == 'F') {
    std::string number(value);
    for (char& c : number) {
      if (c == 'D') c = 'E';  // Fortran exponents
    }
    card.value = std::strtod(number.c_str(), nullptr);
  } else {
    card.value = std::string(value);  // complex values stay as written
  }
  return card;
}

void ReadImage(const std::string& path, int hdu, Image& image) {
  const std::lock_guard<std::mutex> lock(FitsMutex());
  FitsFile file(path, READONLY, false);
  MoveToHdu(file, hdu);
  int status = 0;

  int nkeys = 0;
  fits_get_hdrspace(file.get(), &nkeys, nullptr, &status);
  Check(status, path);
  for (int i = 1; i <= nkeys; ++i) {
    char name[FLEN_KEYWORD], value[FLEN_VALUE], comment[FLEN_COMMENT];
    fits_read_keyn(file.get(), i, name, value, comment, &status);
    Check(status, path);
    image.cards.push_back(ParseCard(file, name, value, comment));
  }

  char* header = nullptr;
  int nrecords = 0;
  fits_hdr2str(file.get(), 0, nullptr, 0, &header, &nrecords, &status);
  Check(status, path);
  image.headerText.assign(header);
  fits_free_memory(header, &status);

  int hduType = 0;
  fits_get_hdu_type(file.get(), &hduType, &status);
  Check(status, path);
  if (hduType != IMAGE_HDU) throw FitsFailure("cfitsio: " + path + ": HDU " + std::to_string(hdu) + " is not an image");
  int naxis = 0;
  fits_get_img_dim(file.get(), &naxis, &status);
  Check(status, path);
  image.shape.assign(naxis, 0);
  if (naxis > 0) fits_get_img_size(file.get(), naxis, image.shape.data(), &status);
  Check(status, path);
  LONGLONG n = naxis > 0 ? 1 : 0;
  for (long axis : image.shape) n *= axis;
  image.data.resize(static_cast<size_t>(n));
  if (n > 0) {
    int anyNull = 0;
    fits_read_img(file.get(), TFLOAT, 1, n, nullptr, image.data.data(), &anyNull, &status);
    Check(status, path);
  }
}

bool IsStructural(const std::string& name) {
  return name == "SIMPLE" || name == "BITPIX" || name == "EXTEND" || name == "END" || name.rfind("NAXIS", 0) == 0;
}

void WriteCards(const FitsFile& file, const std::vector<Card>& cards) {
  int status = 0;
  for (const Card& card : cards) {
    if (IsStructural(card.name)) continue;
    char* name = const_cast<char*>(card.name.c_str());
    char* comment = card.comment.empty() ? nullptr : const_cast<char*>(card.comment.c_str());
    if (std::holds_alternative<std::monostate>(card.value)) {
      if (card.name == "HISTORY") {
        fits_write_history(file.get(), card.comment.c_str(), &status);
      } else {
        fits_write_comment(file.get(), card.comment.c_str(), &status);
      }
    } else if (const auto* s = std::get_if<std::string>(&card.value)) {
      fits_update_key_str(file.get(), name, s->c_str(), comment, &status);
    } else if (const auto* b = std::get_if<bool>(&card.value)) {
      fits_update_key_log(file.get(), name, *b ? 1 : 0, comment, &status);
    } else {
      const double v = std::get<double>(card.value);
      if (v == std::trunc(v) && std::fabs(v) < 9.0e15) {
        fits_update_key_lng(file.get(), name, static_cast<LONGLONG>(v), comment, &status);
      } else {
        fits_update_key_dbl(file.get(), name, v, -15, comment, &status);  // 15 significant digits, E format
      }
    }
    Check(status, file.path());
  }
}

void WriteImage(const std::string& path, const Image& image) {
  const std::lock_guard<std::mutex> lock(FitsMutex());
  FitsFile file(path, READWRITE, true);
  int status = 0;
  std::vector<long> shape = image.shape;
  fits_create_img(file.get(), FLOAT_IMG, static_cast<int>(shape.size()), shape.data(), &status);
  Check(status, path);
  WriteCards(file, image.cards);
  fits_write_img(file.get(), TFLOAT, 1, static_cast<LONGLONG>(image.data.size()), const_cast<float*>(image.data.data()), &status);
  Check(status, path);
  file.Close();
}

void UpdateHeader(const std::string& path, int hdu, const std::vector<Card>& cards) {
  const std::lock_guard<std::mutex> lock(FitsMutex());
  FitsFile file(path, READWRITE, false);
  MoveToHdu(file, hdu);
  WriteCards(file, cards);
  file.Close();
}

std::vector<Card> CardsFromJs(const Napi::Array& array) {
  std::vector<Card> cards;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const Napi::Object object = array.Get(i).As<Napi::Object>();
    Card card{object.Get("name").As<Napi::String>().Utf8Value(), std::monostate{}, ""};
    const Napi::Value comment = object.Get("comment");
    if (comment.IsString()) card.comment = comment.As<Napi::String>().Utf8Value();
    const Napi::Value value = object.Get("value");
    if (value.IsString()) card.value = value.As<Napi::String>().Utf8Value();
    else if (value.IsBoolean()) card.value = value.As<Napi::Boolean>().Value();
    else if (value.IsNumber()) card.value = value.As<Napi::Number>().DoubleValue();
    cards.push_back(std::move(card));
  }
  return cards;
}

Napi::Array CardsToJs(Napi::Env env, const std::vector<Card>& cards) {
  Napi::Array array = Napi::Array::New(env, cards.size());
  for (uint32_t i = 0; i < cards.size(); ++i) {
    const Card& card = cards[i];
    Napi::Object object = Napi::Object::New(env);
    object.Set("name", card.name);
    if (const auto* s = std::get_if<std::string>(&card.value)) object.Set("value", *s);
    else if (const auto* d = std::get_if<double>(&card.value)) object.Set("value", *d);
    else if (const auto* b = std::get_if<bool>(&card.value)) object.Set("value", *b);
    else object.Set("value", env.Null());
    object.Set("comment", card.comment);
    array.Set(i, object);
  }
  return array;
}

}  // namespace

Napi::Value FitsReadImage(const Napi::CallbackInfo& info) {
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int hdu = info[1].As<Napi::Number>().Int32Value();
  auto image = std::make_shared<Image>();
  return PromiseWorker::Start(
      info.Env(), "contimg:fitsReadImage", "", [=] { ReadImage(path, hdu, *image); },
      [=](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("cards", CardsToJs(env, image->cards));
        result.Set("headerText", image->headerText);
        Napi::Array shape = Napi::Array::New(env, image->shape.size());
        for (uint32_t i = 0; i < image->shape.size(); ++i) shape.Set(i, static_cast<double>(image->shape[i]));
        result.Set("shape", shape);
        Napi::Float32Array data = Napi::Float32Array::New(env, image->data.size());
        std::copy(image->data.begin(), image->data.end(), data.Data());
        result.Set("data", data);
        return result;
      },
      Napi::Object::New(info.Env()));
}

Napi::Value FitsWriteImage(const Napi::CallbackInfo& info) {
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const Napi::Object spec = info[1].As<Napi::Object>();
  auto image = std::make_shared<Image>();
  image->cards = CardsFromJs(spec.Get("cards").As<Napi::Array>());
  const Napi::Array shape = spec.Get("shape").As<Napi::Array>();
  for (uint32_t i = 0; i < shape.Length(); ++i) image->shape.push_back(shape.Get(i).As<Napi::Number>().Int64Value());
  const Napi::Float32Array data = spec.Get("data").As<Napi::Float32Array>();
  image->data.assign(data.Data(), data.Data() + data.ElementLength());  // copied: JS may reuse the buffer meanwhile
  return PromiseWorker::Start(
      info.Env(), "contimg:fitsWriteImage", "", [=] { WriteImage(path, *image); },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); }, Napi::Object::New(info.Env()));
}

Napi::Value FitsUpdateHeader(const Napi::CallbackInfo& info) {
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int hdu = info[1].As<Napi::Number>().Int32Value();
  auto cards = std::make_shared<std::vector<Card>>(CardsFromJs(info[2].As<Napi::Array>()));
  return PromiseWorker::Start(
      info.Env(), "contimg:fitsUpdateHeader", "", [=] { UpdateHeader(path, hdu, *cards); },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); }, Napi::Object::New(info.Env()));
}

}  // namespace contimg
