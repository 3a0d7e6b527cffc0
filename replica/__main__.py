"""``python -m replica --port 8000 [--articles N] [--seed S] [--layout FAMILY]``: serve the replica on loopback.

A development tool, run from a checkout (``pilkada-archive replica`` starts it so); it is not
installed with the product.
"""

from __future__ import annotations

import argparse

from replica.regional import SOURCES
from replica.server import serve
from replica.zoo import FAMILIES


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--articles", type=int, default=72)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--layout", default="default", choices=("default", *FAMILIES),
                        help="serve MMC Kobar's own host in one family of the layout zoo")
    parser.add_argument("--regional", default="", metavar="SOURCE,...",
                        help=f"also serve these sources added through the registry ({', '.join(SOURCES)}, or all)")
    parser.add_argument("--per-regional-source", type=int, default=6, help="articles of each of them")
    args = parser.parse_args()
    regional = SOURCES if args.regional == "all" else tuple(s for s in args.regional.split(",") if s)
    server = serve(args.port, args.host, args.articles, args.seed, layout=args.layout, regional_sources=regional,
                   per_regional_source=args.per_regional_source)
    print(f"Replica of MMC Kobar and Kemendagri{''.join(', ' + r for r in regional)} on http://{args.host}:{server.server_address[1]}/ "
          f"({len(server.world.releases)} articles; manifest at /__replica__/manifest.json)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
