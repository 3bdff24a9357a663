// Placeholder: the Colab entry point (an anywidget-shaped model over google.colab.kernel).
export {};
