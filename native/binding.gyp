{
  "targets": [{
    "target_name": "contimg_native",
    "sources": ["src/addon.cc", "src/table_info.cc", "src/simulate_uvh5.cc", "src/simulate_kernel.cc", "src/simulate_hdf5.cc", "src/ms_writer.cc", "src/merge_spws.cc", "src/fits_image.cc", "src/wcs_transform.cc", "src/fits_table.cc", "src/flag_ms.cc", "src/calibrate_ms.cc", "src/calibrate_predict.cc", "src/calibrate_solve.cc", "src/calibrate_apply.cc", "src/caltable_io.cc", "src/source_finder.cc", "src/mosaic.cc", "src/native_heap.cc", "src/table_writes.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "/usr/include/hdf5/serial"],
    "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
    # casacore's headers use typeid and dynamic_cast, so RTTI must be back on.
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    # -fopenmp-simd: the simulator's "omp simd" reductions vectorise without an OpenMP runtime.
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-fopenmp-simd"],
    "libraries": ["-lcasa_ms", "-lcasa_measures", "-lcasa_tables", "-lcasa_casa", "-lhdf5_serial", "-lerfa", "-lcfitsio", "-lwcs", "-lgsl", "-lgslcblas", "-laoflagger"]
  }]
}
