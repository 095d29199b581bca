"""One architecture of the `FashionCNN` space, as a trial command (see config.yml):

    hyperscout nas space model:FashionCNN -o search_space.json
    hyperscout create --config config.yml

The trial builds the frozen model of the architecture it was given, trains it and
reports the validation accuracy after each epoch, then as its final result.
"""

from __future__ import annotations

import argparse

import model as fashion

import hyperscout
from hyperscout import nas

parser = argparse.ArgumentParser()
parser.add_argument("--data", default="../../../shared/datasets/fashion-mnist")
parser.add_argument("--train", type=int, default=10000, help="training images")
parser.add_argument("--val", type=int, default=2000, help="validation images")
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args()

net = nas.get_next_model(nas.ModelSpace(fashion.FashionCNN))
data = fashion.load(args.data, args.train, args.val)
hyperscout.report_final_result(fashion.train(net, *data, epochs=args.epochs))
