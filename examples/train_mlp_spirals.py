"""Train a small MLP on 3-class spirals with RMSProp and print its accuracy (about 1 s)."""

from rmsprop_edu import data, fit, nn
from rmsprop_edu.optim import RMSProp
from rmsprop_edu.recipes import mlp

X, y = data.spirals(n_per_class=100, classes=3, rng=0)
model = mlp((2, 64, 64, 3), activation=nn.ReLU, rng=1)  # Linear layers seeded 1, 2, 3; He init, Xavier output
optimizer = RMSProp(model.parameters(), lr=0.01)
history = fit(
    model, nn.SoftmaxCrossEntropy(), optimizer, (X, y), epochs=100, batch_size=32, metric="accuracy", progress=False
)
print(f"training accuracy after {len(history.steps)} steps: {history.final('train_accuracy'):.1%}")
