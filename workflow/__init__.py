"""Department workflows: templates, routing, step deadlines and the working-time calendar."""
