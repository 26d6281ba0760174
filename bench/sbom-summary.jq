[.components[]? | recurse(.components[]?)] as $c
| {types: ($c | group_by(.type) | map({key: .[0].type, value: length}) | from_entries),
   purls: ([$c[] | select(.purl // "" | startswith("pkg:")) | .purl[4:] | split("/")[0]]
           | group_by(.) | map({key: .[0], value: length}) | from_entries),
   licenses: ([$c[] | .licenses[]? | .expression // .license.id // .license.name]
              | group_by(.) | map({key: .[0], value: length}) | sort_by(-.value) | .[0:10]),
   unlicensed: ([$c[] | select((.licenses // []) == [] and .type != "operating-system")] | length)}
