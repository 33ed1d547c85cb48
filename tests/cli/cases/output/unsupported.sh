# Columns that cannot be read (here std::variant) are named on stderr in table mode and under
# "unsupported" in JSON, also when asked for by name; strings are shown quoted.
ln -s "$DATA/test_stl_containers_rntuple_v1-0-0-0.root" stl.root
ln -s "$DATA/uproot-stl_containers.root" stl_tree.root
rootfeed dump stl.root --columns 'variant_int32_string,vector_int32' --entries 2
rootfeed dump stl.root --columns 'variant_int32_string,vector_int32' --entries 1 --json
rootfeed dump stl_tree.root --columns 'string,tstring,vector_string' --entries 3
