"""Every knob of the pipeline as typed, frozen dataclasses: one module per ``params.yaml`` section
(``objects``, ``guess``, ``sim``, ``sim_report``, ``graspgen``, ``dexnet`` with ``synth``, ``learn``, ``models``) and
``tree``, the one loader of the params file. Declarations only, so every stage can depend on the whole
package. Nothing is re-exported here.
"""
