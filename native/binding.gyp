{
  "targets": [{
    "target_name": "contimg_native",
    "sources": ["src/addon.cc", "src/table_info.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
    # casacore's headers use typeid and dynamic_cast, so RTTI must be back on.
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2"],
    "libraries": ["-lcasa_tables", "-lcasa_casa"]
  }]
}
