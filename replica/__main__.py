"""``python -m replica --port 8000 [--articles N] [--seed S] [--layout FAMILY]``: serve the replica on loopback.

A development tool, run from a checkout (``pilkada-archive replica`` starts it so); it is not
installed with the product.
"""

from __future__ import annotations

import argparse

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
    args = parser.parse_args()
    server = serve(args.port, args.host, args.articles, args.seed, layout=args.layout)
    print(f"Replica of MMC Kobar and Kemendagri on http://{args.host}:{server.server_address[1]}/ "
          f"({len(server.world.releases)} articles; manifest at /__replica__/manifest.json)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
